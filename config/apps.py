from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The project's own system checks (config/checks.py); no models."""

    name = "config"
    label = "threadline_config"
    verbose_name = "Threadline configuration"

    def ready(self):
        from config import checks  # noqa: F401  (registers the checks)
