"""The Helpful button (issue 22): one page-level form (id "helpful", with the CSRF token) and
per comment a <button form="helpful" name="comment" value="<pk>">, so the shared thread HTML
carries no token and no form. Works without JavaScript: a POST, then back to the comment."""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from articles.models import Article
from comments.discussion import normalise_sort
from comments.models import Comment
from comments.services.voting import toggle_helpful
from comments.votes import voter_for
from protection import ratelimit
from protection.refusals import log_refusal

UNVERIFIED = (
    "To mark comments helpful, sign in, or confirm your email address: tick “email me about replies” "
    "when you post a comment and follow the link we send."
)


def _refused(request, message: str, status: int, comment=None):
    return render(request, "comments/vote.html", {"message": message, "comment": comment}, status=status)


@require_POST
def helpful(request):
    """Mark a comment helpful, or take the mark back within the hour."""
    pk = request.POST.get("comment", "")
    if not pk.isdigit() or len(pk) > 18:
        return _refused(request, "Choose a comment to mark helpful.", 400)
    comment = (
        Comment.objects.select_related("article")
        .filter(pk=int(pk), article__in=Article.objects.published())
        .first()
    )
    if comment is None:
        return _refused(request, "No published comment has this address.", 404)
    voter = voter_for(request)
    if voter is None:
        return _refused(request, UNVERIFIED, 403, comment)
    try:
        ratelimit.hit(request, "vote", account=voter.key)
    except ratelimit.RateLimited as error:
        log_refusal(request, reason="rate_limit", detail=f"vote: {error.message}")
        return ratelimit.too_many_requests(request, error)
    result = toggle_helpful(comment=comment, voter=voter)
    if result.status != 200:
        return _refused(request, result.message, result.status, comment)
    messages.success(request, result.message)
    query = {"sort": normalise_sort(request.POST.get("sort"))}
    page = request.POST.get("page", "")
    if page.isdigit() and page != "1":
        query["page"] = page
    return redirect(f"{comment.article.get_absolute_url()}?{urlencode(query)}#comment-{comment.pk}")
