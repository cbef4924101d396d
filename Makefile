# Rekindle — the README's two commands: `make run` and `make test`.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
DEV    := REKINDLE_ENV=development FLASK_APP=app

.DEFAULT_GOAL := help
.PHONY: help run test test-fast lint bench system-check clean

help:
	@echo "make run    set up .venv, migrate, load guides and demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test   run the whole suite (lint, unit, integration, browser)"
	@echo "make lint   ruff"
	@echo "make bench  print the benchmark figures"

system-check:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "Rekindle needs Python 3.11 or newer as '$(PYTHON)'. On Debian/Ubuntu: sudo apt-get install python3"; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
	  echo "Python's venv module is missing. On Debian/Ubuntu: sudo apt-get install python3-venv"; exit 1; }
	@$(PYTHON) -c 'import ctypes.util, sys; sys.exit(not (ctypes.util.find_library("pango-1.0") and ctypes.util.find_library("pangoft2-1.0")))' || { \
	  echo "WeasyPrint needs Pango. On Debian/Ubuntu: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"; exit 1; }
	@[ -n "$$(fc-list 'Noto Sans CJK SC' family 2>/dev/null)" ] || \
	  echo "Note: PDF reports need Noto Sans CJK for Chinese and Japanese. On Debian/Ubuntu: sudo apt-get install fonts-noto-cjk"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --editable .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet --editable '.[test]'
	@touch $@

run: system-check $(VENV)/.installed
	@$(DEV) $(BIN)/flask db upgrade
	@$(DEV) $(BIN)/flask guides load
	@$(DEV) $(BIN)/flask demo --if-empty
	@echo "Rekindle (development) on http://$(HOST):$(PORT) — Ctrl+C to stop."
	@$(DEV) $(BIN)/flask run --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

test: system-check $(VENV)/.installed-test lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
