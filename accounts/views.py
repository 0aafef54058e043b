from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from accounts.forms import SignupForm
from accounts.passwords import ResetRequestForm
from articles.models import Article
from comments.models import Comment
from notifications.verification import request_verification
from protection import ratelimit as limits
from protection.ratelimit import ratelimit


def safe_next(request) -> str:
    """Where to go after signing up: a path on this site, or "" for anything odd (another host,
    control characters, a bare word that redirect() would take for a view name)."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not next_url.startswith("/") or any(ord(ch) < 32 or ord(ch) == 127 for ch in next_url):
        return ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        return ""
    return next_url


@require_http_methods(["GET", "POST"])
@ratelimit("signup")
def signup(request):
    """Create a reader account and sign in with it."""
    next_url = safe_next(request)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        request_verification(user)  # or, if another account has the address, a notice to it
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return (
            HttpResponseRedirect(next_url) if next_url else redirect("profile", username=user.get_username())
        )
    status = 400 if form.is_bound else 200
    return render(request, "registration/signup.html", {"form": form, "next": next_url}, status=status)


def profile(request, username):
    """A reader's approved comments on published articles, newest first: two queries a page.
    On their own profile, a member also sees the comments they have waiting for review."""
    person = get_object_or_404(get_user_model(), username=username, is_active=True)
    own = request.user.is_authenticated and request.user.pk == person.pk
    # Its owner also sees their comments held for review, marked so (issue 20).
    shown = [Comment.Status.APPROVED, Comment.Status.PENDING] if own else [Comment.Status.APPROVED]
    comments = (
        Comment.objects.filter(status__in=shown)
        .filter(user=person, article__in=Article.objects.published())
        .select_related("article")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(comments, settings.THREADS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/profile.html",
        {"person": person, "page": page, "comments": page.object_list, "own": own},
    )


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link: limited per network and per address; the worker sends the mail."""

    form_class = ResetRequestForm

    def form_valid(self, form):
        try:
            form.save(request=self.request)
        except limits.RateLimited as error:
            return limits.too_many_requests(self.request, error)
        return redirect(self.get_success_url())


@login_required
def replies_to_me(request):
    """Issue 22: the approved replies to the member's comments, by others, newest first: two
    queries a page (the page, the paginator's count)."""
    replies = (
        Comment.objects.approved()
        .filter(parent__user=request.user, article__in=Article.objects.published())
        .exclude(user=request.user)
        .select_related("article")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(replies, settings.THREADS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "accounts/replies.html", {"page": page, "replies": page.object_list})
