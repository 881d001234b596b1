# Every target installs what it needs into .venv first, so a fresh clone works.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8288
STAMP := $(VENV)/.installed

.PHONY: install dev test test-lambda-python lint docs browser realtime-client bench bench-memory soak bulk-cancel-10k clean golden-items

# The Python the Lambda functions run on (settings.LAMBDA_PYTHON_VERSION): the layer import check
# and an end-to-end smoke test also run under it, in their own venv (tools/lambda-python.sh
# finds that Python: PATH, pyenv, or Debian's package).
LAMBDA_PYTHON_VERSION := $(shell sed -n 's/^LAMBDA_PYTHON_VERSION = "\(.*\)"/\1/p' layers/runtime/inngest_lambda/settings.py)
LAMBDA_VENV := .venv-lambda
LAMBDA_STAMP := $(LAMBDA_VENV)/.installed-$(LAMBDA_PYTHON_VERSION)
LAMBDA_SMOKE := tests/infra/test_infra_layer_build.py tests/e2e/test_runs.py tests/e2e/test_register_validation.py

$(STAMP): pyproject.toml requirements.lock
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Runtime dependencies plus what the smoke tests need (moto, pytest, uvicorn), pinned by the lock.
$(LAMBDA_STAMP): pyproject.toml requirements.lock layers/runtime/inngest_lambda/settings.py
	rm -rf $(LAMBDA_VENV)
	"$$(sh tools/lambda-python.sh $(LAMBDA_PYTHON_VERSION))" -m venv $(LAMBDA_VENV)
	$(LAMBDA_VENV)/bin/pip install --quiet --upgrade pip
	$(LAMBDA_VENV)/bin/pip install --quiet -c requirements.lock -e . \
		'moto[dynamodb,sqs,s3,scheduler]' pytest uvicorn
	touch $(LAMBDA_STAMP)

dev: $(STAMP)
	PORT=$(PORT) $(BIN)/python -m inngest_lambda.local

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m inngest_lambda lint functions

# The docs site builds with --strict (mkdocs.yml): a broken link or anchor fails the build.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# The dashboard's browser tests drive Debian's chromium; install it when missing (CI is root on a
# fresh machine; elsewhere sudo). apt-get update first, retried: a fresh machine has no lists.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM):
	for i in 1 2 3; do $(SUDO) apt-get update -qq && break; sleep 5; done
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
		chromium fonts-dejavu-core
	test -x $(CHROMIUM)

browser: $(CHROMIUM)

# The realtime browser test bundles the official @inngest/realtime client (pinned, with esbuild,
# in tests/e2e/realtime_client/package.json + lock); npm ci installs exactly those versions.
REALTIME_CLIENT := tests/e2e/realtime_client
REALTIME_CLIENT_STAMP := $(REALTIME_CLIENT)/node_modules/.installed

$(REALTIME_CLIENT_STAMP): $(REALTIME_CLIENT)/package.json $(REALTIME_CLIENT)/package-lock.json
	npm ci --prefix $(REALTIME_CLIENT) --no-audit --no-fund --loglevel=error
	touch $(REALTIME_CLIENT_STAMP)

realtime-client: $(REALTIME_CLIENT_STAMP)

test: lint docs browser realtime-client
	$(BIN)/python -m pytest
	$(MAKE) test-lambda-python

test-lambda-python: $(LAMBDA_STAMP)
	$(LAMBDA_VENV)/bin/python -c 'import sys; assert sys.version.startswith("$(LAMBDA_PYTHON_VERSION)."), sys.version'
	$(LAMBDA_VENV)/bin/python -m pytest -p no:cacheprovider $(LAMBDA_SMOKE)

bench: $(STAMP)
	$(BIN)/python bench/sidebyside.py
	$(BIN)/python bench/devserver.py
	$(BIN)/python bench/coldstart.py
	$(BIN)/python bench/tracing.py
	$(BIN)/python bench/run.py
	$(BIN)/python bench/flow.py
	$(BIN)/python bench/realtime.py
	INNGEST_LAMBDA_LOG_LEVEL=CRITICAL $(BIN)/python bench/recovery.py 2>/dev/null

# Long: 1,000 runs of 100 steps in one handler process (BENCH_MEMORY_RUNS to change).
bench-memory: $(STAMP)
	$(BIN)/python bench/memory.py

# Golden items (docs/upgrading.md): the state the current code leaves mid-run, written to
# tests/upgrade/golden/format-<DATA_FORMAT_VERSION>.json. Only when a release changes the layout.
golden-items: $(STAMP)
	INNGEST_LAMBDA_LOG_LEVEL=WARNING $(BIN)/python -m tests.upgrade.golden_state

# Long: 10,000 mixed runs at once on the virtual clock with 1% of AWS calls throttled
# (tests/soak/; SOAK_RUNS, SOAK_SEED, SOAK_FAULT_RATE to change). `make test` runs 1,000.
SOAK_RUNS ?= 10000
soak: $(STAMP)
	SOAK_RUNS=$(SOAK_RUNS) $(BIN)/python -m pytest tests/soak -q -p no:cacheprovider

# The issue's version of the bulk-cancel tests: 10,000 sleeping runs cancelled by one job, and a
# job crashed half-way (tests/e2e/test_bulk_cancel.py; `make test` runs 200).
bulk-cancel-10k: $(STAMP)
	BULK_CANCEL_RUNS=10000 $(BIN)/python -m pytest tests/e2e/test_bulk_cancel.py -q -p no:cacheprovider -k "every_sleeping or crashed"

clean:
	rm -rf $(VENV) $(LAMBDA_VENV) cdk.out build site infra/node_modules $(REALTIME_CLIENT)/node_modules

include infra/Makefile.inc
