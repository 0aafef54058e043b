from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.views import healthz, metrics, readyz
from protection.views import LoginView, admin_login

urlpatterns = [
    path("", include("articles.urls")),
    path("comments/", include("comments.urls")),
    path("", include("notifications.urls")),
    path("", include("moving.urls")),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("accounts.urls")),
    path(f"{settings.ADMIN_URL}login/", admin_login),  # attempt limits before admin.site's own
    path(settings.ADMIN_URL, admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
]
