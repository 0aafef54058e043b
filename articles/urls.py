from django.urls import path

from articles import feeds, views

app_name = "articles"
urlpatterns = [
    path("", views.article_list, name="list"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("search/", views.search, name="search"),
    path("feeds/articles.rss", feeds.LatestArticlesFeed(), name="feed_rss"),
    path("feeds/articles.atom", feeds.LatestArticlesAtomFeed(), name="feed_atom"),
    path("articles/<slug:slug>/comments.rss", feeds.ArticleCommentsFeed(), name="comments_rss"),
    path("articles/<slug:slug>/comments.atom", feeds.ArticleCommentsAtomFeed(), name="comments_atom"),
]
