# Rekindle — the README's two commands: `make run` and `make test`.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
DEV    := REKINDLE_ENV=development FLASK_APP=app
# The W3C Nu Html Checker, from npm, pinned; tests find it at VNU_JAR (the env may override).
VNU_VERSION := 26.9.27
VNU_JAR     := $(VENV)/npm/node_modules/vnu-jar/build/dist/vnu.jar
VNU_STAMP   := $(VENV)/npm/.vnu-jar-$(VNU_VERSION)

.DEFAULT_GOAL := help
.PHONY: help run test test-fast lint bench clean system-run system-test

help:
	@echo "make run        set up .venv, migrate, load guides and demo data, serve on http://$(HOST):$(PORT) with a queue consumer"
	@echo "make test       lint, then the whole suite (browser tests included)"
	@echo "make test-fast  the suite without the browser tests, for the inner loop"
	@echo "make lint       ruff"
	@echo "make bench      print the benchmark figures"
	@echo "make clean      remove .venv and the caches"
	@echo "The first 'make run' or 'make test' installs the Debian packages it needs when it"
	@echo "can (as root, or with sudo without a password); see .ci/system-packages."

# The Debian packages (.ci/system-packages holds the lists), then Python itself.
system-run system-test: system-%:
	@bash .ci/system-packages $* --for "make $(or $(MAKECMDGOALS),$*)"
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "Rekindle needs Python 3.11 or newer as '$(PYTHON)' (make PYTHON=python3.11 ...)."; exit 1; }

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --editable .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet --editable '.[test]'
	@touch $@

# --ignore-scripts: vnu-jar's postinstall would download a Java runtime when it finds no
# `java`; Debian's (the test list) runs it, and nothing but the registries is reachable.
$(VNU_STAMP):
	npm install --prefix $(VENV)/npm --ignore-scripts --no-audit --no-fund --loglevel=error \
	  vnu-jar@$(VNU_VERSION)
	@test -f $(VNU_JAR)
	@touch $@

run: system-run $(VENV)/.installed
	@$(DEV) $(BIN)/flask db upgrade
	@$(DEV) $(BIN)/flask guides load
	@$(DEV) $(BIN)/flask demo --if-empty
	@echo "Rekindle (development) on http://$(HOST):$(PORT), with a queue consumer — Ctrl+C stops both."
	@# The consumer (the mail) runs beside the web server on the SQLite queue in instance/,
	@# in a session of its own so that it gets one signal: when the server stops (Ctrl+C or
	@# anything else) the trap asks the consumer to finish its tasks and stop.
	@$(DEV) PUBLIC_URL=http://$(HOST):$(PORT) setsid $(BIN)/flask jobs worker & worker=$$!; \
	  trap 'kill -INT $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	  trap 'exit 130' INT TERM; \
	  $(DEV) PUBLIC_URL=http://$(HOST):$(PORT) $(BIN)/flask run --host $(HOST) --port $(PORT)

lint: system-run $(VENV)/.installed-test
	$(BIN)/ruff check .

test: system-test $(VENV)/.installed-test $(VNU_STAMP) lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: system-test $(VENV)/.installed-test $(VNU_STAMP)
	$(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS)

bench: system-run $(VENV)/.installed-test
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
