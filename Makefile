# Every target installs what it needs into .venv first, so a fresh clone works.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8288
STAMP := $(VENV)/.installed

.PHONY: install dev test lint docs bench clean

$(STAMP): pyproject.toml requirements.lock
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

dev: $(STAMP)
	PORT=$(PORT) $(BIN)/python -m inngest_lambda.local

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m inngest_lambda lint functions

# The docs site builds with --strict (mkdocs.yml): a broken link or anchor fails the build.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

test: lint docs
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/flow.py

clean:
	rm -rf $(VENV) cdk.out build site infra/node_modules

include infra/Makefile.inc
