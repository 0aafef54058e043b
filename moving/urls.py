from django.urls import path

from moving import views

app_name = "moving"
urlpatterns = [
    path("moved/<int:article_pk>/comment-<str:old_id>/", views.old_comment, name="old_comment"),
]
