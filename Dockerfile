# Threadline web image: slim Python, no compilers, non-root, static files collected at build.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
# The dependencies only (pyproject.toml installs no code: the site runs from /app below), and
# without the `embedded` extra: production always has a DATABASE_URL, so no 41 MB PostgreSQL.
COPY pyproject.toml README.md ./
RUN python -m venv /venv && /venv/bin/pip install .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings PORT=8000
RUN useradd --create-home --uid 10001 threadline
WORKDIR /app
COPY --from=build /venv /venv
COPY . .
# collectstatic needs settings, not a database: a throwaway key and an unused URL.
RUN SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown -R threadline /app/var
USER threadline
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=4)"
ENTRYPOINT ["docker/entrypoint.sh"]
CMD ["gunicorn", "config.wsgi", "--config", "config/gunicorn.conf.py"]
