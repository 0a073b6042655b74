# Bansō: two commands for a fresh machine with Python 3.11+ and make.
#   make demo   set up, load the demo data and serve http://127.0.0.1:8000
#   make test   set up and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two installs: what the app needs to run (make demo) and, on top, what tests, linters
# and the browser need (make test and the checks).
APP_STAMP := $(VENV)/.installed-app
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Mailed links point at the address the demo serves (override for another host name).
BANSOU_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: demo test fuzz setup messages browser lint imports rules typecheck security outdated check-migrations check-deploy i18n-check clean

$(APP_STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@echo "Installing Bansō's dependencies into $(VENV) (the first time takes a minute)..."
	@PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	@touch $(APP_STAMP)

$(STAMP): $(APP_STAMP)
	@echo "Installing the test and lint tools into $(VENV)..."
	@PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP) messages

messages: $(APP_STAMP)
	@$(BIN)/pybabel compile --domain=django --directory=bansou/locale 2>&1 | grep -v '^$$\|^compiling' || true

demo: $(APP_STAMP) messages
	@$(MANAGE) migrate --no-input | grep -v '^  Applying\|^Operations\|^  Apply all\|^Running migrations' || true
	@BANSOU_BASE_URL=$(BANSOU_BASE_URL) $(MANAGE) demo_data
	@echo
	@echo "Bansō is running on $(BANSOU_BASE_URL)/  (Ctrl-C stops it; another port: make demo PORT=8080)"
	@BANSOU_BASE_URL=$(BANSOU_BASE_URL) $(MANAGE) runserver $(HOST):$(PORT) --noreload

# Browser tests use Debian's chromium (or BANSOU_CHROMIUM); without one, Playwright's own.
browser: $(STAMP)
	@if [ -n "$$BANSOU_CHROMIUM" ] || [ -x /usr/bin/chromium ]; then \
		echo "Browser: $${BANSOU_CHROMIUM:-/usr/bin/chromium}"; \
	else \
		$(BIN)/python -m playwright install chromium; \
	fi

# The suite runs in parallel (pytest-xdist): one process per core, each with its own test
# database. PYTEST_WORKERS=0 runs it in one process; PYTEST_ARGS adds options or paths.
PYTEST_WORKERS ?= auto
test: setup browser
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The fuzz suite (tests/fuzz/) with many examples per form; `make test` runs a few of each.
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=long $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal tests/fuzz $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Import layers (pyproject.toml [tool.importlinter]; docs/architecture.md, "Layers").
imports: $(STAMP)
	$(BIN)/lint-imports

# No ORM query in a view module; a function-local import gives its reason.
rules: $(STAMP)
	$(BIN)/python scripts/check_rules.py

typecheck: $(STAMP)
	$(BIN)/mypy

# Security lint: bandit, medium severity and above, must find nothing.
security: $(STAMP)
	$(BIN)/bandit --quiet --recursive bansou --severity-level medium --confidence-level medium

# Pinned dependencies with a newer release on the package index (patch releases first).
outdated: $(STAMP)
	$(BIN)/python scripts/outdated.py

check-migrations: $(STAMP)
	$(MANAGE) makemigrations --check --dry-run

check-deploy: $(STAMP)
	DJANGO_SETTINGS_MODULE=bansou.settings.production \
	SECRET_KEY=check-deploy-$$(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	ALLOWED_HOSTS=bansou.invalid \
	BANSOU_BASE_URL=https://bansou.invalid \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# Needs GNU gettext (xgettext): refreshes the catalogue and fails on untranslated strings.
i18n-check: $(STAMP)
	$(MANAGE) makemessages --locale ja --no-obsolete --add-location file --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*' --ignore 'bansou/static/*'
	$(BIN)/python scripts/check_translations.py bansou/locale/ja/LC_MESSAGES/django.po

clean:
	rm -rf $(VENV) var test-artifacts
