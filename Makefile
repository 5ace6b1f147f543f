# newsarchive: `make run` serves the archive on SQLite; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST_PORT ?= 127.0.0.1:8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/newsarchive
# The suite clears its queues: it gets a Redis database of its own.
REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test lint worker bench bench-quick clean

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=python3"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip==25.3

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	DJANGO_DEBUG=1 $(PY) manage.py migrate --no-input
	DJANGO_DEBUG=1 $(PY) manage.py import_articles seeds/
	@echo
	@echo "To make the first editor account: DJANGO_DEBUG=1 $(PY) manage.py createsuperuser"
	@echo "Serving on http://$(HOST_PORT)/ (admin at /admin/)"
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST_PORT)

# With CI=true the suite runs on PostgreSQL and Redis and fails if either is
# unreachable; elsewhere it uses PostgreSQL when it answers, else SQLite, and
# lists what it skipped.
test: $(VENV)/.dev
	@if [ -f tests/browser/setup.sh ]; then bash tests/browser/setup.sh; fi
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	@if [ "$$CI" = "true" ] || $(PY) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then \
		db="$(PG_URL)"; else db="sqlite:///test.sqlite3"; \
		echo "PostgreSQL is not reachable: running on SQLite (tests that need PostgreSQL are skipped, listed below)"; fi; \
	DJANGO_DEBUG=1 DATABASE_URL="$$db" REDIS_URL="$(REDIS_URL)" $(PY) -m pytest -rs

worker: $(VENV)/.runtime
	$(VENV)/bin/celery -A newsarchive worker -Q interactive,reextract --loglevel=INFO

bench: $(VENV)/.dev
	DJANGO_DEBUG=1 $(PY) -m bench

bench-quick: $(VENV)/.dev
	DJANGO_DEBUG=1 $(PY) -m bench --quick

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache db.sqlite3 test.sqlite3
