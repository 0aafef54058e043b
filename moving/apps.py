from django.apps import AppConfig


class MovingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "moving"
    verbose_name = "Moving in and out"
