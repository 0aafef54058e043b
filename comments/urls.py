from django.urls import path

from comments import pick_views, unread_views, views, vote_views

app_name = "comments"
urlpatterns = [
    path("post/<slug:slug>/", views.add_comment, name="add"),
    path("preview/", views.preview, name="preview"),
    path("<int:pk>/", views.comment_thread, name="thread"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("helpful/", vote_views.helpful, name="helpful"),
    path("picks/<slug:slug>/", pick_views.picks, name="picks"),
    path("read/<slug:slug>/", unread_views.mark_all_read, name="mark_read"),
]
