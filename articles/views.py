from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from articles.models import Article
from articles.search import highlight, search_articles
from comments.forms import CommentForm
from comments.threads import DEFAULT_SORT, SORTS, discussion_page


def article_list(request):
    """Published articles, newest first, each with its approved-comment count: one query a page."""
    articles = Article.objects.published().with_comment_counts().order_by("-published_at", "-pk")
    page = Paginator(articles, settings.ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "articles/article_list.html", {"page": page, "articles": page.object_list})


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


def search(request):
    """Published articles matching the words, best first, with highlighted snippets."""
    text = " ".join(request.GET.get("q", "").split())
    context = {"query": text, "page": None, "results": [], "message": ""}
    if not text:
        context["message"] = "Type a word or two to search the articles."
        return render(request, "articles/search.html", context)
    if len(text) > settings.SEARCH_MAX_QUERY_LENGTH:
        context["message"] = (
            f"That search is too long: keep it under {settings.SEARCH_MAX_QUERY_LENGTH} characters."
        )
        context["query"] = text[: settings.SEARCH_MAX_QUERY_LENGTH]
        return render(request, "articles/search.html", context, status=400)
    page = Paginator(search_articles(text), settings.ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    context["page"] = page
    context["results"] = [
        (article, highlight(article.title_raw), highlight(article.snippet_raw, from_html=True))
        for article in page.object_list
    ]
    if not page.object_list:
        context["message"] = "No articles match that search. Try fewer or different words."
    return render(request, "articles/search.html", context)
