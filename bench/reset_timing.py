"""Does a password-reset request take longer for an address that has an account? (issue 16)

    DEBUG=1 ALLOWED_HOSTS=testserver .venv/bin/python bench/reset_timing.py [--rounds 30]

Posts the reset form through Django's test client against the development database, rounds of
three requests for a known and an unknown address in turn, and prints each one's median. Both
only enqueue a job (the worker looks the address up and mails), so they should match. Rate
limits are off for the run; the jobs and the account it makes are deleted afterwards.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")


def median_ms(client, email: str, count: int) -> float:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.post("/accounts/password-reset/", {"email": email})
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 302, response.status_code
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_tasks_db.models import DBTaskResult

    settings.RATE_LIMITS_ENABLED = False
    user, _ = get_user_model().objects.get_or_create(
        username="bench-reset-known", defaults={"email": "bench-reset-known@example.org"}
    )
    client = Client()
    try:
        median_ms(client, "bench-warm@example.org", 5)
        known, unknown = [], []
        for _ in range(args.rounds):
            known.append(median_ms(client, user.email, 3))
            unknown.append(median_ms(client, "bench-nobody@example.org", 3))
        print(
            f"known {statistics.median(known):.2f} ms, unknown {statistics.median(unknown):.2f} ms (median)"
        )
    finally:
        DBTaskResult.objects.filter(task_path="accounts.tasks.send_reset_links").delete()
        user.delete()


if __name__ == "__main__":
    main()
