from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from articles.models import Article
from comments.forms import CommentForm
from comments.threads import DEFAULT_SORT, SORTS, discussion_page


@require_safe
def article_list(request):
    """Published articles, newest first, each with its approved-comment count: one query a page."""
    articles = Article.objects.published().with_comment_counts().order_by("-published_at", "-pk")
    page = Paginator(articles, settings.ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "articles/article_list.html", {"page": page, "articles": page.object_list})


@require_safe
def article_detail(request, slug):
    article = get_object_or_404(Article.objects.published(), slug=slug)
    return render_article(request, article)


def render_article(request, article, *, form=None, status=200):
    """The article, one page of its discussion and the comment form (kept on errors)."""
    sort = request.GET.get("sort", DEFAULT_SORT)
    sort = sort if sort in SORTS else DEFAULT_SORT
    page, items = discussion_page(article, page_number=request.GET.get("page"), sort=sort)
    if form is None and article.is_accepting_comments:
        form = CommentForm(article=article, user=request.user)
    context = {
        "article": article,
        "page": page,
        "items": items,
        "form": form,
        "sort": sort,
        "sorts": [(key, label) for key, (label, _) in SORTS.items()],
        "comment_count": article.comments.approved().count(),
    }
    return render(request, "articles/article_detail.html", context, status=status)
