# Warga: `make demo` installs everything and starts Warga with demo data; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
# Every dependency, dev tools included, resolved once for all platforms and Python 3.11+, with hashes.
LOCK := requirements/lock.txt
LOCK_ARGS ?=
LOCK_COMPILE = $(UV) pip compile --quiet pyproject.toml --extra dev --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock"
PORT ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/warga
# Two workers by default (CI machines have two cores), each taking over the other's remaining tests
# when it runs out (a long test at the end does not hold the run); PYTEST_ARGS= runs serially.
PYTEST_ARGS ?= -n 2 --dist worksteal -rs

.PHONY: install demo serve test test-coverage test-postgres test-browser check lint types migrations-check translations messages \
	lock lock-check audit clean

# uv is bootstrapped with pip at the locked version and hash, then installs exactly the lock
# (removing what is not in it) and Warga itself without resolving again.
$(VENV)/.installed: pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	sed -n '/^uv==/,/^    # via/p' $(LOCK) > $(VENV)/uv-lock.txt
	$(VENV)/bin/pip install --quiet --no-deps --require-hashes -r $(VENV)/uv-lock.txt
	$(UV) pip sync --quiet --python $(PY) --require-hashes $(LOCK)
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
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

# The SQLite run with line coverage of warga/ printed at the end (no threshold; not in CI: it
# made the run 1.5–1.7× slower, docs/decisions/0017-ci-time.md).
test-coverage: install
	mkdir -p var
	$(VENV)/bin/pytest $(PYTEST_ARGS) --cov --cov-report=term

test-postgres: install
	DATABASE_URL=$(PG_TEST_URL) $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	# Apps import only the layers below them, and no two apps import each other.
	PYTHONPATH=$(CURDIR) $(VENV)/bin/lint-imports --no-logo
	# No query of area-bound data outside a scope, no region code compared by prefix.
	$(PY) scripts/lint_scoping.py
	# Every page and API operation declares its access; every capability named is declared.
	DJANGO_SETTINGS_MODULE=warga.settings_test $(PY) manage.py check --fail-level WARNING
	# Every route with parameters has a permission-grid entry (fast: no requests are made).
	$(VENV)/bin/pytest -q -p no:xdist --no-migrations warga/core/tests/test_permission_grid.py -k "has_a_grid_entry"

# After a change to the dependencies in pyproject.toml: resolve again, keeping every pin that still
# fits. `make lock LOCK_ARGS=--upgrade` moves every dependency not pinned in pyproject.toml to its latest.
lock: $(VENV)/.installed
	$(LOCK_COMPILE) $(LOCK_ARGS) -o $(LOCK)

# Fails when pyproject.toml asks for something the lock does not hold (run `make lock`).
lock-check: $(VENV)/.installed
	cp $(LOCK) $(VENV)/lock-check.txt
	$(LOCK_COMPILE) -o $(VENV)/lock-check.txt
	diff -u $(LOCK) $(VENV)/lock-check.txt

# Known vulnerabilities (PyPI's advisory data) in every locked dependency; a version that could not
# be checked fails too (--strict), so the audit never passes without having looked.
audit: $(VENV)/.installed
	$(VENV)/bin/pip-audit --strict --disable-pip --require-hashes --progress-spinner off -r $(LOCK)

types: $(VENV)/.installed
	$(VENV)/bin/mypy warga

migrations-check: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=warga.settings_test $(PY) manage.py makemigrations --check --dry-run

messages: $(VENV)/.installed
	$(PY) scripts/messages.py update

translations-check: $(VENV)/.installed
	$(PY) scripts/messages.py check

check: lint types migrations-check translations-check lock-check audit test test-postgres

clean:
	rm -rf $(VENV) var
