from django.urls import path
from django.views.decorators.http import conditional_page

from articles import feeds, views

# Feed readers poll: Django's Feed sends Last-Modified (its newest item's date) and conditional_page
# adds an ETag and answers 304 Not Modified, with no body, when the reader's copy is still current.

app_name = "articles"
urlpatterns = [
    path("", views.article_list, name="list"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("search/", views.search, name="search"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("feeds/articles.rss", conditional_page(feeds.LatestArticlesFeed()), name="feed_rss"),
    path("feeds/articles.atom", conditional_page(feeds.LatestArticlesAtomFeed()), name="feed_atom"),
    path(
        "articles/<slug:slug>/comments.rss",
        conditional_page(feeds.ArticleCommentsFeed()),
        name="comments_rss",
    ),
    path(
        "articles/<slug:slug>/comments.atom",
        conditional_page(feeds.ArticleCommentsAtomFeed()),
        name="comments_atom",
    ),
]
