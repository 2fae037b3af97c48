# Two commands matter: `make run` starts the whole platform, `make test` runs every check.
# Both install what they need first (uv from PyPI when it is missing, then the locked dependencies).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export UV_PYTHON_DOWNLOADS := never
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
UV := $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
PYTEST_WORKERS ?= auto

.PHONY: install web run test lint format typecheck contracts unit integration e2e infra-test lock bench clean

install: $(STAMP)

$(UV):
	python3 -m pip install --user --quiet uv

$(STAMP): requirements.lock pyproject.toml | $(UV)
	@test -x $(PY) || $(UV) venv --quiet --python python3.11 $(VENV)
	$(UV) pip sync --quiet --python $(PY) requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# The citizen web app (web/): npm installs exactly the lock, and the build re-runs only when a source
# changed; `npm run build` also fails when a page's JavaScript is over its budget.
WEB_SOURCES := $(shell find web/src web/scripts -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json
web: web/dist/index.html

web/node_modules/.package-lock.json: web/package-lock.json web/package.json
	cd web && npm ci --no-audit --no-fund

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && npm run build

run: install web
	$(VENV)/bin/dwp up

test: install web lint typecheck contracts
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadgroup -q -rs

PY_DIRS := $(wildcard src tests benchmarks infra docker)

lint: install
	$(VENV)/bin/ruff check $(PY_DIRS)
	$(VENV)/bin/ruff format --check $(PY_DIRS)

format: install
	$(VENV)/bin/ruff check --fix $(PY_DIRS)
	$(VENV)/bin/ruff format $(PY_DIRS)

typecheck: install
	$(VENV)/bin/mypy

contracts: install
	$(VENV)/bin/lint-imports

unit: install
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) -q tests/unit

integration: install
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadgroup -q tests/integration

e2e: install
	$(VENV)/bin/pytest -q tests/e2e

# Re-pin every dependency with hashes; the lock names no index and no download address.
lock: | $(UV)
	$(UV) pip compile pyproject.toml --all-extras --generate-hashes --quiet -o requirements.lock

bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) benchmarks/http_baseline.py

clean:
	rm -rf .dwp .pytest_cache .mypy_cache .ruff_cache
