# Warga: `make demo` installs everything and starts Warga with demo data; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/warga
# Two workers by default (CI machines have two cores); PYTEST_ARGS= runs serially.
PYTEST_ARGS ?= -n 2 -rs

.PHONY: install demo serve test test-postgres test-browser check lint types migrations-check translations messages clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	$(PY) manage.py compile_translations -v0

# SITE_URL follows PORT (links in SMS and QR codes on receipts), unless set.
demo serve: export SITE_URL ?= http://127.0.0.1:$(PORT)

demo: install
	$(PY) manage.py migrate -v0
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py demo_setup
	$(PY) manage.py serve --port $(PORT)

serve: install
	$(PY) manage.py serve --port $(PORT)

test: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test-postgres: install
	DATABASE_URL=$(PG_TEST_URL) $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(PY) scripts/lint_scoping.py

types: $(VENV)/.installed
	$(VENV)/bin/mypy warga

migrations-check: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=warga.settings_test $(PY) manage.py makemigrations --check --dry-run

messages: $(VENV)/.installed
	$(PY) scripts/messages.py update

translations-check: $(VENV)/.installed
	$(PY) scripts/messages.py check

check: lint types migrations-check translations-check test test-postgres

clean:
	rm -rf $(VENV) var
