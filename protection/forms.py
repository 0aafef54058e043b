"""Form pieces against naive bots and password guessing."""

import time
import unicodedata

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core import signing

from config.client import client_network
from protection import ratelimit
from protection.refusals import log_refusal

STAMP_SALT = "threadline.form-stamp"
HONEYPOT = "website"
STAMP = "form_stamp"


def new_stamp() -> str:
    """A signed 'this form was shown at' time: bots cannot forge or backdate it."""
    return signing.dumps(time.time(), salt=STAMP_SALT)


def fresh_stamp(request) -> str:
    """new_stamp() for a shared page's form, per request (settings.PAGECACHE_FILLERS)."""
    return new_stamp()


class BotTrapMixin:
    """A honeypot field people never see and a minimum time between showing and sending the form.

    A refused form carries `refusal` = (reason, detail) for the refusal log.
    """

    refusal: tuple[str, str] | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[HONEYPOT] = forms.CharField(
            required=False,
            label="Leave this field empty",
            widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
        )
        self.fields[STAMP] = forms.CharField(required=False, widget=forms.HiddenInput)
        if not self.is_bound:
            self.initial.setdefault(STAMP, new_stamp())  # a cached page passes its placeholder

    @property
    def honeypot(self):
        return self[HONEYPOT]

    def visible_fields(self):
        return [field for field in super().visible_fields() if field.name != HONEYPOT]

    def _refuse(self, reason: str, detail: str, message: str, *, fresh_stamp: bool = False):
        self.refusal = (reason, detail)
        if fresh_stamp:
            self.data = self.data.copy()
            self.data[STAMP] = new_stamp()
        raise forms.ValidationError(message, code=reason)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get(HONEYPOT):
            self._refuse(
                "honeypot",
                "hidden field filled",
                "Your comment could not be posted. If you are a person, leave the field "
                "“Leave this field empty” empty and post again.",
            )
        min_seconds = settings.COMMENT_MIN_FILL_SECONDS
        if min_seconds <= 0:
            return cleaned
        try:
            shown_at = float(signing.loads(cleaned.get(STAMP) or "", salt=STAMP_SALT))
        except (signing.BadSignature, TypeError, ValueError):
            self._refuse(
                "bad_stamp",
                "timestamp missing or forged",
                "This form could not be checked; it has been refreshed: please post again.",
                fresh_stamp=True,
            )
        elapsed = time.time() - shown_at
        if elapsed > settings.COMMENT_FORM_MAX_AGE:
            self._refuse(
                "bad_stamp",
                "form too old",
                "This form was open for too long; it has been refreshed: please post again.",
                fresh_stamp=True,
            )
        if elapsed < min_seconds:
            self._refuse(
                "too_fast",
                f"sent {elapsed:.1f}s after the form was shown",
                "That was quicker than anyone can type. Please read your comment over and post it again.",
            )
        return cleaned


def login_key(username: str) -> str:
    """The username as authentication sees it (NFKC, as Django normalises it), case-folded:
    full-width or upper-case spellings of one name share its failures."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


class LockoutMixin:
    """Failed log-ins count per (username, client network) and per network (the `scope`'s
    rate limits), so a stranger who types a username wrongly locks out themselves, never its
    owner on another network.

    A locked pair or network is refused before its password is even checked, with a message
    saying when to try again; `retry_after` tells the view to answer 429.
    """

    scope = "login"
    retry_after: int | None = None

    def clean(self):
        username = login_key(self.data.get("username") or "")
        account = f"login:{username}|{client_network(self.request)}" if username else None
        try:
            ratelimit.check(self.request, self.scope, account=account)
        except ratelimit.RateLimited as error:
            self._lock(error, username)
        try:
            return super().clean()
        except forms.ValidationError:
            try:
                ratelimit.hit(self.request, self.scope, account=account)
                ratelimit.check(self.request, self.scope, account=account)  # that was the last try
            except ratelimit.RateLimited as error:
                self._lock(ratelimit.lock_out(error), username)
            raise
        finally:
            if self.is_valid_login() and account:
                ratelimit.reset(self.request, self.scope, account=account)

    def is_valid_login(self) -> bool:
        return self.user_cache is not None

    def _lock(self, error, username):
        self.retry_after = error.retry_after
        self.request.login_retry_after = error.retry_after
        log_refusal(self.request, reason="login_lockout", detail=f"username {username[:100]!r}")
        raise forms.ValidationError(
            "Too many failed log-in attempts. For your safety, logging in is locked for "
            f"{ratelimit.describe_wait(error.retry_after)}; try again after that.",
            code="locked",
        )


class LockoutAuthenticationForm(LockoutMixin, AuthenticationForm):
    pass


class LockoutAdminAuthenticationForm(LockoutMixin, AdminAuthenticationForm):
    # Counted apart from the public form: failures there never lock staff out of the admin.
    scope = "admin_login"
