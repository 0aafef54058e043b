"""RSS and Atom feeds: the latest articles, and each article's approved comments.

Feeds name comment authors by their display name only: never an email or an IP address.
"""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from articles.models import Article
from comments.models import Comment

FEED_ITEMS = 30


class LatestArticlesFeed(Feed):
    feed_type = Rss201rev2Feed
    title = "Threadline: latest articles"
    description = "Articles and the discussions they start."

    def link(self):
        return reverse("articles:list")

    def items(self):
        return Article.objects.published().order_by("-published_at", "-pk")[:FEED_ITEMS]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary or item.body_html

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.byline or None


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = Atom1Feed
    subtitle = LatestArticlesFeed.description


class ArticleCommentsFeed(Feed):
    feed_type = Rss201rev2Feed

    def __call__(self, request, *args, **kwargs):
        # No Last-Modified: it would be the newest comment's created_at, stamped before its commit,
        # so a reply that commits after a newer one (or in the same second) would leave it
        # unchanged, and a reader polling with If-Modified-Since alone would be answered 304
        # without that reply (issue 14). The ETag (urls.py: conditional_page) follows the content.
        response = super().__call__(request, *args, **kwargs)
        del response.headers["Last-Modified"]
        return response

    def get_object(self, request, slug):
        return get_object_or_404(Article.objects.published(), slug=slug)

    def title(self, article):
        return f"Comments on “{article.title}” · Threadline"

    def link(self, article):
        return article.get_absolute_url() + "#discussion"

    def description(self, article):
        return f"The latest approved comments on “{article.title}”."

    def items(self, article):
        # Only what every reader may see; the fields a feed needs, so nothing private is even loaded.
        return (
            Comment.objects.approved()
            .for_article(article)
            .only("pk", "author_name", "body_html", "created_at", "edited_at")
            .order_by("-created_at", "-pk")[:FEED_ITEMS]
        )

    def item_title(self, item):
        return f"Comment by {item.author_name}"

    def item_description(self, item):
        return item.body_html

    def item_link(self, item):
        return reverse("comments:thread", args=[item.pk])

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.edited_at or item.created_at

    def item_author_name(self, item):
        return item.author_name


class ArticleCommentsAtomFeed(ArticleCommentsFeed):
    feed_type = Atom1Feed

    def subtitle(self, article):
        return self.description(article)
