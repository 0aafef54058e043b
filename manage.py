#!/usr/bin/env python
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # No DATABASE_URL means the embedded development database (`make run`), so a development key
    # too: the README's commands then work as shown from a fresh clone, without DEBUG=1. It is
    # this checkout's own (var/dev-secret-key, config/dev_secret.py), the same gunicorn uses under
    # `make run`, never a key published here. With a DATABASE_URL (production) a missing
    # SECRET_KEY still stops every command (config/settings.py).
    if not os.environ.get("DATABASE_URL") and not os.environ.get("SECRET_KEY"):
        from config.dev_secret import development_secret

        var_dir = Path(os.environ.get("THREADLINE_VAR_DIR", Path(__file__).resolve().parent / "var"))
        os.environ["SECRET_KEY"] = development_secret(var_dir)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
