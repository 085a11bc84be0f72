# The README's two commands: `make run` and `make test`. Everything they need is installed here, pinned.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
ASSETS := static/vendor/.installed
CHROMIUM ?= /usr/bin/chromium
PYTEST_WORKERS ?= 2

.PHONY: run test setup assets browser db demo clean

setup: $(STAMP) $(ASSETS)

# Python packages, pinned in requirements*.txt; reinstalled only when those files change.
$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# NHS.UK frontend CSS/JS and mermaid from the npm registry (package-lock.json pins them), served from static/vendor.
$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf static/vendor && mkdir -p static/vendor/mermaid
	cp -r node_modules/nhsuk-frontend/dist/nhsuk static/vendor/nhsuk
# Frutiger is licensed to nhs.uk sites only (fetched from assets.nhs.uk): drop its @font-face, keep Arial.
	sed -i 's/@font-face{[^}]*}//g' static/vendor/nhsuk/nhsuk-frontend.min.css
	cp node_modules/mermaid/dist/mermaid.min.js static/vendor/mermaid/
	touch $@

# Debian's Chromium for the end-to-end tests (Playwright drives it through executable_path).
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: run 'sudo apt-get install chromium'" >&2; exit 1; fi; }

db: setup
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo

# One command: set up, build the schema, load the demo trust, serve on http://127.0.0.1:5000, with the scheduler
# (reminders, escalations, email) in its own process beside the web server, stopped when the server stops.
run: demo
	@$(FLASK) scheduler run & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler 2>/dev/null' EXIT; \
	$(FLASK) run --host 127.0.0.1 --port 5000

# One command: set up and run the whole suite (SQLite, plus PostgreSQL when TEST_DATABASE_URL is set).
test: setup browser
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules static/vendor var
