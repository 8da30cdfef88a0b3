# Two entry points do all their own set-up from a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DB     ?= claims.db
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install browser lint typecheck bench clean screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/claims --db $(DB) ingest --if-empty seeds
	$(BIN)/claims --db $(DB) serve --host $(HOST) --port $(PORT)

browser:
	./scripts/ensure-chromium.sh

test: $(STAMP) browser
	$(BIN)/pytest

# Re-take the README screenshots (docs/*.png) with the browser tests.
screenshots: $(STAMP) browser
	CLAIMS_SCREENSHOTS=1 $(BIN)/pytest tests/web -m browser

lint: $(STAMP)
	$(BIN)/ruff check claims ingest web tests bench
	$(BIN)/mypy claims web

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
