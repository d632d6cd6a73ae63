# Two commands, on a fresh machine with Python 3.11+:
#   make run    install into .venv, load sample data if the store is empty, refresh metrics if their inputs
#               changed (python -m tracker.startup: a quick no-op on a current store), start the dashboard
#   make test   install the test dependencies too, then run ruff, mypy (strict; configured in pyproject.toml)
#               and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test bench

$(BIN)/.runtime-installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(BIN)/.test-installed: $(BIN)/.runtime-installed requirements-test.txt
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-test.txt
	touch $@

run: $(BIN)/.runtime-installed
	$(BIN)/python -m tracker.startup
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

test: $(BIN)/.test-installed
	bash scripts/ensure-chromium.sh
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: $(BIN)/.test-installed
	$(BIN)/python -m bench
