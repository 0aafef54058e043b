"""Rate limits on the report and sign-up views (the limiter itself: tests/test_ratelimit*.py)."""


def test_reports_and_sign_ups_are_rate_limited_per_address(db, client, abuse_protection):
    from django.urls import reverse

    from tests.factories import CommentFactory

    abuse_protection.RATE_LIMITS = {
        **abuse_protection.RATE_LIMITS,
        "report": {"ip": "2/m"},
        "signup": {"ip": "1/h"},
    }
    comments = [CommentFactory() for _ in range(3)]

    reports = [
        client.post(reverse("comments:report", args=[c.pk]), {"reason": "spam"}).status_code for c in comments
    ]
    signups = [
        client.post(reverse("signup"), {"username": f"u{i}", "password1": "x", "password2": "y"}).status_code
        for i in range(2)
    ]

    assert reports[:2] == [302, 302] and reports[2] == 429
    assert signups[0] != 429 and signups[1] == 429
