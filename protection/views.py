from django.contrib import admin
from django.contrib.auth import views as auth_views

from protection.forms import LockoutAuthenticationForm


def _locked_out(request, response):
    retry_after = getattr(request, "login_retry_after", None)
    if retry_after:
        response.status_code = 429
        response["Retry-After"] = str(retry_after)
    return response


class LoginView(auth_views.LoginView):
    """The site's log-in, with failed attempts limited (429 and a clear message when locked)."""

    authentication_form = LockoutAuthenticationForm

    def form_invalid(self, form):
        return _locked_out(self.request, super().form_invalid(form))


def admin_login(request, extra_context=None):
    """The admin's own log-in page, with the same attempt limits as the site's."""
    return _locked_out(request, admin.site.login(request, extra_context))
