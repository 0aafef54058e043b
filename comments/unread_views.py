"""Mark a discussion read (issue 22): a form POST, no JavaScript needed."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from articles.models import published_article
from articles.pages import NO_ARTICLE
from comments.unread import mark_read


@require_POST
@login_required
def mark_all_read(request, slug):
    article = published_article(slug)
    if article is None:
        raise Http404(NO_ARTICLE)
    mark_read(user=request.user, article=article)
    return redirect(article.get_absolute_url() + "#discussion")
