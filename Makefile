# Two commands: `make run` starts the whole LMS locally, `make test` runs the whole suite.
# See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
# axe-core for the browser tests' accessibility checks (package.json, package-lock.json).
AXE   := node_modules/axe-core/axe.min.js

# The first of python3.11 / python3 that really is Python 3.11 or newer.
PYTHON ?= $(shell for p in python3.11 python3; do \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { command -v $$p; break; }; \
	done)

# Extra arguments for pytest, e.g. make test PYTEST_ARGS="-x -k quiz"
PYTEST_ARGS ?=

# Debian packages the tests need; installed only when missing (CI runs as root, no stdin).
APT_GET := DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Use-Pty=0
SUDO    := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: help install translations update-translations run test test-sqlite test-postgres system-deps npm clean

help:
	@echo "make run            install, migrate, load demo data, start redis + web + worker + beat"
	@echo "make test           install (incl. chromium, postgresql) and run the suite on SQLite and PostgreSQL"
	@echo "make install        only create $(VENV) with the pinned requirements"
	@echo "make test-sqlite    the suite once, on SQLite"
	@echo "make test-postgres  the suite once, on a throwaway PostgreSQL cluster"
	@echo "make system-deps    apt-get install chromium, postgresql, wrk, nodejs and npm where missing"
	@echo "make clean          remove $(VENV) and caches"

install: $(STAMP) translations

# Compiled message catalogues (.mo) are built, not committed.
translations: $(STAMP)
	@$(VENV)/bin/pybabel -q compile -d lms/translations

# Re-extract the strings and merge them into every catalogue (then translate the new ones).
update-translations: $(STAMP)
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o lms/translations/messages.pot --project "Nordic Life Science Academy" .
	$(VENV)/bin/pybabel -q update -i lms/translations/messages.pot -d lms/translations

$(STAMP): requirements.txt requirements-dev.txt
	@if [ -z "$(PYTHON)" ]; then echo "make: Python 3.11 or newer is needed (python3.11 or python3)" >&2; exit 1; fi
	@if [ ! -x $(PY) ]; then \
	  if ! $(PYTHON) -c 'import ensurepip, venv' 2>/dev/null && command -v apt-get >/dev/null; then \
	    echo "==> installing python3-venv (apt)"; \
	    $(SUDO) $(APT_GET) update && $(SUDO) $(APT_GET) install --no-install-recommends python3-venv; \
	  fi; \
	  echo "==> creating $(VENV) with $(PYTHON)"; \
	  $(PYTHON) -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	@touch $@

# npm ci installs exactly the locked versions; Debian's nodejs and npm first where npm is missing.
$(AXE): package.json package-lock.json
	@$(MAKE) --no-print-directory npm
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

npm:
	@if ! command -v npm >/dev/null; then \
	  echo "==> apt-get install nodejs npm"; \
	  $(SUDO) $(APT_GET) update && $(SUDO) $(APT_GET) install --no-install-recommends nodejs npm; \
	fi

run: install
	bin/run

system-deps: npm
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium fonts-liberation fonts-dejavu-core"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	if [ -n "$$missing" ]; then \
	  echo "==> apt-get install$$missing"; \
	  $(SUDO) $(APT_GET) update && $(SUDO) $(APT_GET) install --no-install-recommends $$missing; \
	fi

# Both runs always happen, so one report shows both; make fails if either failed. Any non-zero
# pytest status fails a run, including 5 (no tests collected).
test: install system-deps $(AXE)
	@status=0; \
	$(MAKE) --no-print-directory test-sqlite || status=1; \
	$(MAKE) --no-print-directory test-postgres || status=1; \
	if [ $$status -ne 0 ]; then echo "make test: FAILED (see above)" >&2; fi; \
	exit $$status

test-sqlite: install system-deps $(AXE)
	@echo "==> test suite on SQLite"
	LMS_TEST_DB=sqlite $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: install system-deps $(AXE)
	@echo "==> test suite on PostgreSQL"
	LMS_TEST_DB=postgresql $(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules .pytest_cache test-results
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
