"""Password resets that say nothing about who has an account, and cost the request nothing.

The request only checks its limits (per network and per target mailbox) and enqueues one job,
whatever the address: a known and an unknown one take the same time (the mail server used to
take 300 ms inside the request for a known one only). The worker finds the accounts and puts
their links, built on SITE_URL rather than the request's Host, in the outbox.
"""

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from config.site import absolute_url
from notifications.addresses import mailbox
from notifications.services import queue_email
from protection import ratelimit


class ResetRequestForm(PasswordResetForm):
    """Django's form, but save() hands the address to the worker instead of mailing in the request."""

    def save(self, *, request, **kwargs) -> None:
        from accounts.tasks import send_reset_links

        email = self.cleaned_data["email"]
        ratelimit.hit(request, "password_reset", account=f"reset:{mailbox(email)}")
        send_reset_links.enqueue(email)


def queue_reset_links(email: str) -> int:
    """Worker side: one reset link per active account with this address, into the outbox."""
    queued = 0
    for user in PasswordResetForm().get_users(email):
        token = default_token_generator.make_token(user)
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        url = absolute_url(reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token}))
        context = {"user": user, "reset_url": url}
        subject = "".join(render_to_string("registration/password_reset_subject.txt", context).splitlines())
        body = render_to_string("registration/password_reset_email.html", context)
        queued += (
            queue_email(key=f"reset:{user.pk}:{token}", to=user.email, subject=subject, body=body) is not None
        )
    return queued
