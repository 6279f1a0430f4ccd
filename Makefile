# Quick start: `make preview` (build and preview the sample site), `make test` (run the whole test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: preview build test lint bench clean

$(BIN)/news-archive: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

preview: $(BIN)/news-archive
	$(BIN)/news-archive build
	$(BIN)/news-archive serve

build: $(BIN)/news-archive
	$(BIN)/news-archive build

test: $(BIN)/news-archive
	sh scripts/ensure-chromium.sh
	$(BIN)/ruff check generator tests $(wildcard bench) $(wildcard fuzz) $(wildcard scripts)
	$(BIN)/python -m pytest -q

bench: $(BIN)/news-archive
	$(BIN)/python bench/run.py

clean:
	rm -rf output .cache .output.staging
