#!/usr/bin/env python
import os
import sys

# No DATABASE_URL means the embedded development database (`make run`), so a development key
# too: the README's commands then work as shown from a fresh clone, without DEBUG=1. With a
# DATABASE_URL (production) a missing SECRET_KEY still stops every command (config/settings.py).
DEVELOPMENT_SECRET_KEY = "insecure-development-key-do-not-use-in-production"

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
