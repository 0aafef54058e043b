import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

PASSWORD_FILE = settings.BASE_DIR / "var" / "demo-admin-password"


class Command(BaseCommand):
    help = "Create the demo superuser 'admin' once (random password kept in var/) and print how to log in."

    def handle(self, *args, **options):
        User = get_user_model()
        user = User.objects.filter(username="admin").first()
        if user is None or not PASSWORD_FILE.exists():
            password = secrets.token_urlsafe(12)
            PASSWORD_FILE.parent.mkdir(parents=True, exist_ok=True)
            PASSWORD_FILE.write_text(password + "\n")
            PASSWORD_FILE.chmod(0o600)
            if user is None:
                user = User(username="admin", email="admin@example.org", is_staff=True, is_superuser=True)
            user.set_password(password)
            user.save()
        password = PASSWORD_FILE.read_text().strip()
        self.stdout.write(f"Demo admin: username 'admin', password '{password}'")
