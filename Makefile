# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Links in emails, SMS and calendar feeds point here: the address the demo runs on.
SITE_URL ?= http://$(HOST):$(PORT)
# The demo runs on embedded defaults: SQLite, the filesystem broker, DEBUG on.
DEMO_ENV := DEBUG=true HOST=$(HOST) PORT=$(PORT) SITE_URL=$(SITE_URL) PATH="$(CURDIR)/$(BIN):$$PATH"

.PHONY: run test lint messages clean backup restore

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Local development settings, so that `manage.py …` works straight after `make run`.
# Written once, never overwritten; production sets its variables in the environment.
.env:
	@printf '%s\n' '# Local development only, written by make. Never deploy with this file.' \
	  'DEBUG=true' > $@
	@echo "Wrote .env (DEBUG=true) for local development."

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet .
	touch $@

$(VENV)/.test-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet ".[test]"
	touch $@ $(VENV)/.run-deps

run: $(VENV)/.run-deps .env
	@$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	@$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Huzhou Talks is starting at http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "API reference: http://$(HOST):$(PORT)/api/docs/  (tokens: Account menu → API tokens; docs/api.md)"
	@echo "Web server, Celery worker and beat run below; Ctrl-C stops all three."
	@echo ""
	@$(DEMO_ENV) $(BIN)/honcho -f Procfile.dev start

# The Nu HTML Checker (vnu-jar, pinned in package-lock.json) for the crawl's HTML check;
# its install script only fetches a Java, which Debian's default-jre-headless provides.
# Without npm the HTML check skips and says why (under CI=true it fails; .ci/run installs npm).
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --ignore-scripts --no-audit --no-fund && touch $@; \
	else echo "npm is not installed: the Nu HTML Checker's test will skip (apt-get install npm)."; fi

test: $(VENV)/.test-deps node_modules/.package-lock.json .env
	$(BIN)/ruff check .
	DEBUG=true $(BIN)/lint-imports
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=true $(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.test-deps
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format --check . || true

# Refresh the catalogues after adding strings; translate, then compile.
messages: $(VENV)/.test-deps
	DEBUG=true $(BIN)/python manage.py makemessages -l zh_Hans -l en --no-location --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*'
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore '.venv/*'

# Back up the database and the private files (docs/operations.md, "Backup and restore"), on
# the settings of the environment (DATABASE_URL, PRIVATE_MEDIA_ROOT) or of .env.
# FILE= names the dump (default var/backups/<date>-<time>.<dump|sqlite3>).
backup: $(VENV)/.run-deps
	$(BIN)/python manage.py backup $(if $(FILE),--file "$(FILE)")

# Restore one: FILE= is required; FORCE=1 replaces a database that has tables (and sets the
# private files found aside). Stop the web server, the workers and beat first.
ifneq ($(filter restore,$(MAKECMDGOALS)),)
ifeq ($(FILE),)
$(error Usage: make restore FILE=var/backups/<name> [FORCE=1])
endif
endif
restore: $(VENV)/.run-deps
	$(BIN)/python manage.py restore "$(FILE)" $(if $(FORCE),--force)

clean:
	rm -rf var/db.sqlite3* var/celery var/test-db.sqlite3*
