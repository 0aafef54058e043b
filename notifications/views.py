from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications import services, tokens
from notifications.forms import NotificationSettingsForm
from notifications.tokens import BadToken


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
    return render(request, "notifications/settings.html", {"form": form})


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
