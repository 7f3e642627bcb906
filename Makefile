# Every target bootstraps its own virtual environment: a fresh clone needs only python3 (and npm
# for the proto linter).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SERVER_STAMP := $(VENV)/.server-installed
DEV_STAMP := $(VENV)/.dev-installed

.PHONY: run test lint-protos protos bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The compiled matcher (setup.py builds it on install): an edited C file reinstalls too.
MATCHCORE := setup.py service/knownparty_service/domain/watchlists/_matchcore.c

$(SERVER_STAMP): pyproject.toml $(MATCHCORE) | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[server]"
	touch $@

$(DEV_STAMP): pyproject.toml $(MATCHCORE) | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(SERVER_STAMP)

## Start the service on its embedded default: ./knownparty.db, 127.0.0.1:50051.
run: $(SERVER_STAMP)
	$(BIN)/knownparty serve

## Run the tests (PostgreSQL ones too when KNOWNPARTY_TEST_POSTGRES_URL is set).
test: $(DEV_STAMP)
	$(BIN)/python -m pytest

node_modules/.bin/buf: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

## Lint the protos with buf.
lint-protos: node_modules/.bin/buf
	node_modules/.bin/buf lint

## Regenerate the committed stubs in client/knownparty_client/_generated after a proto change.
protos: $(DEV_STAMP)
	$(BIN)/python scripts/generate_protos.py

## Benchmarks (see bench/README.md).
bench: $(DEV_STAMP)
	$(BIN)/python bench/bench_parties.py

clean:
	rm -rf $(VENV) node_modules
