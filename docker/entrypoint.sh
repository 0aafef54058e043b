#!/bin/sh
# Migrations, optional demo content, then the command (gunicorn by default).
set -e
if [ -z "$SECRET_KEY" ]; then
  # No secret given: make one once and keep it on the var volume (never in the image or the repo).
  [ -s /app/var/secret_key ] || python -c "import secrets; print(secrets.token_urlsafe(50))" > /app/var/secret_key
  SECRET_KEY=$(cat /app/var/secret_key)
  export SECRET_KEY
fi
# The worker service sets RUN_MIGRATIONS=0: only web migrates, so two never race.
# With several web hosts, run migrations once per release (RUN_MIGRATIONS=1 on one of them, or
# `docker compose run --rm web python manage.py migrate`) and set RUN_MIGRATIONS=0 elsewhere.
if [ "${RUN_MIGRATIONS:-1}" = "1" ]; then
  python manage.py migrate --noinput
fi
if [ "${LOAD_DEMO:-0}" = "1" ]; then
  python manage.py loaddemo
  python manage.py ensure_demo_admin
fi
exec "$@"
