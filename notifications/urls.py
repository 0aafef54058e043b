from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("accounts/notifications/", views.notification_settings, name="settings"),
    path("notifications/confirm/<str:token>/", views.confirm, name="confirm"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("accounts/verify/", views.send_verification, name="send_verification"),
    path("accounts/verify/<str:token>/", views.verify, name="verify"),
]
