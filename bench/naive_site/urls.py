from django.contrib import admin
from django.http import HttpResponse
from django.urls import path

from naive_site.replies import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("articles/<slug:slug>/", views.article, name="article"),
    path("reply/<int:pk>/", views.reply, name="reply"),
    path("healthz", lambda request: HttpResponse("ok")),  # the bench waits for it
]
