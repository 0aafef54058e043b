# Threadline: `make run` serves the demo site, `make test` runs the whole suite.
# Both work from a fresh clone: they create the virtualenv, install, start the
# embedded PostgreSQL (unless DATABASE_URL is set) and migrate.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
NODE_STAMP := node_modules/.installed
SCREENSHOT_PORT ?= 8599
export DEBUG ?= 1

.PHONY: run test setup run-setup db db-stop chromium java lint bench lighthouse screenshots clean wrk bench-workers

# Two installs: what running needs (the project and the embedded PostgreSQL, for `make run`) and
# that plus the test and development tools (the dev extra, for everything else). The dev install
# also satisfies the run stamp; a run install alone leaves the dev stamp missing, so `make test`
# after `make run` still installs the dev extra.
$(RUN_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[embedded]"
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP) $(RUN_STAMP)

# Test-only JavaScript tools (axe-core for the accessibility checks), pinned in package-lock.json.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

define prepare_database
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py loaddemo
	$(BIN)/python manage.py ensure_demo_admin
endef

setup: $(STAMP)
	$(prepare_database)

run-setup: $(RUN_STAMP)
	$(prepare_database)

db: $(RUN_STAMP)
	$(BIN)/python -m config.embedded_db start

db-stop: $(RUN_STAMP)
	$(BIN)/python -m config.embedded_db stop

# "Serving" is printed once the site answers (scripts/wait_until_serving.py polls /healthz).
run: run-setup
	@echo "Starting gunicorn and the task worker (emails; with no EMAIL_HOST it prints each email here)…"
	@trap 'kill $$web $$worker 2>/dev/null; wait $$web $$worker 2>/dev/null; $(BIN)/python -m config.embedded_db stop' EXIT; \
	trap 'exit 130' INT TERM; \
	SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/python manage.py db_worker --interval 2 & worker=$$!; \
	SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/gunicorn config.wsgi --config config/gunicorn.conf.py --bind 127.0.0.1:$(PORT) & web=$$!; \
	$(BIN)/python scripts/wait_until_serving.py http://127.0.0.1:$(PORT)/healthz --pid $$web && \
	  echo "Serving Threadline on http://127.0.0.1:$(PORT)/ (admin: http://127.0.0.1:$(PORT)/admin/). Ctrl-C stops it." && \
	  echo "DEVELOPMENT ONLY, NOT FOR PRODUCTION: DEBUG is on and the key is this checkout's (var/dev-secret-key); see docs/deployment.md."; \
	wait $$web

chromium:
	@test -x /usr/bin/chromium || (echo "Installing Debian's chromium for the browser tests…" && \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# The W3C Nu HTML Checker (tests/test_html_validity.py) is a Java program.
java:
	@command -v java >/dev/null || (echo "Installing Debian's default-jre-headless for the HTML checker…" && \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null)

test: setup chromium java $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Screenshots of the running demo site for the README (docs/screenshots/*.png).
screenshots: setup chromium
	$(BIN)/python manage.py shell -c "from articles.models import Article; from comments.generator import generate_discussion; a = Article.objects.get(slug='why-the-night-train-came-back'); a.comments.exists() or generate_discussion(a, comments=150, seed=7)"
	@$(BIN)/gunicorn config.wsgi --config config/gunicorn.conf.py --bind 127.0.0.1:$(SCREENSHOT_PORT) --pid var/screenshots.pid --daemon
	@sleep 2
	$(BIN)/python scripts/screenshots.py --base-url http://127.0.0.1:$(SCREENSHOT_PORT) --out docs/screenshots; \
	  status=$$?; kill $$(cat var/screenshots.pid); exit $$status

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Issue 17: Lighthouse (pinned in package.json) on a 300-comment article served with production settings.
lighthouse: setup chromium $(NODE_STAMP)
	$(BIN)/python bench/lighthouse.py $(BENCH_ARGS)

clean:
	-$(BIN)/python -m config.embedded_db stop
	rm -rf $(VENV) var staticfiles

# Issue 7: gunicorn worker classes compared with wrk (bounded: a few minutes; see bench/README.md).
wrk:
	@command -v wrk >/dev/null || (echo "Installing Debian's wrk for the benchmarks…" && \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)

BENCH_SLUG ?= harbour-district-goes-car-free
BENCH_POST_SLUG ?= a-beginners-guide-to-community-gardens
bench-workers: setup wrk
	$(BIN)/python bench/gunicorn_workers.py --slug $(BENCH_SLUG) --post-slug $(BENCH_POST_SLUG) $(BENCH_ARGS)

# Issue 9: discussion pages at every size (bench/pages.py; a few minutes).
bench: setup wrk
	SECRET_KEY=bench DEBUG= DATABASE_URL= $(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python bench/pages.py $(BENCH_ARGS)
