from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from notifications import services, tokens, verification
from notifications.forms import NotificationSettingsForm
from notifications.tokens import BadToken
from notifications.verification import read_verification_token as signing_check
from protection.ratelimit import ratelimit


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    """A member's email preferences: replies to their comments, and (staff) the moderation digest."""
    instance = services.notification_settings(request.user)
    form = NotificationSettingsForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your email settings are saved.")
        return redirect("notifications:settings")
    context = {"form": form, "is_verified": verification.is_verified(request.user)}
    return render(request, "notifications/settings.html", context)


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """GET shows a button (link scanners fetch links and must not subscribe anyone); POST confirms."""
    try:
        if request.method == "POST":
            subscription = services.confirm_subscription(token)
            return render(request, "notifications/confirmed.html", {"subscription": subscription})
        tokens.read_confirm_token(token)
    except BadToken as error:
        return render(request, "notifications/bad_link.html", {"message": str(error)}, status=400)
    return render(request, "notifications/confirm.html", {"token": token})


# RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" with no cookie and no CSRF token;
# the signed token in the URL is the authority. GET only asks, so link scanners change nothing.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """Stop one stream of emails: GET shows a confirm button, POST (one-click or the button) stops it."""
    try:
        if request.method == "POST":
            stopped = services.unsubscribe(token)
            return render(request, "notifications/unsubscribed.html", {"stopped": stopped})
        stopping = services.describe_unsubscribe(token)
    except BadToken as error:
        return render(request, "notifications/bad_link.html", {"message": str(error)}, status=400)
    return render(request, "notifications/unsubscribe.html", {"token": token, "stopping": stopping})


@require_http_methods(["GET", "POST"])
def verify(request, token):
    """GET shows a button (link scanners fetch links and must verify nothing); POST verifies."""
    try:
        if request.method == "POST":
            verification.verify_email(token)
            messages.success(request, "Thank you: your email address is confirmed.")
            return redirect("notifications:settings" if request.user.is_authenticated else "articles:list")
        signing_check(token)
    except BadToken as error:
        return render(request, "notifications/bad_link.html", {"message": str(error)}, status=400)
    return render(request, "notifications/verify.html", {"token": token})


@login_required
@require_POST
@ratelimit("verify")
def send_verification(request):
    """Send (again) the link that confirms the member's address."""
    verification.request_verification(request.user)
    messages.info(
        request, "If your address can take it, a confirmation link is on its way: check your inbox."
    )
    return redirect("notifications:settings")
