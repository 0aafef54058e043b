from django.apps import AppConfig


class ProtectionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "protection"
    verbose_name = "Abuse protection"

    def ready(self):
        from django.contrib import admin

        from protection.forms import LockoutAdminAuthenticationForm

        # The admin's log-in counts failures like the site's (protection.views.admin_login
        # adds the 429 status and Retry-After header).
        admin.site.login_form = LockoutAdminAuthenticationForm
