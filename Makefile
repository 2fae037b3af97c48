# Two commands matter: `make run` starts the whole platform, `make test` runs every check.
# Both install what they need first: a virtual environment `.venv` made by the system's Python 3.11
# (`python3 -m venv`, so nothing is installed outside it: Debian's Python refuses `pip install --user`),
# uv into it (the locked version, hash-checked, with pip), then every locked dependency with uv.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.installed-stamp
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null || echo python3)
export UV_PYTHON_DOWNLOADS := never
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
PYTEST_WORKERS ?= auto

.PHONY: install prerequisites web run test lint format typecheck contracts unit integration e2e infra-test lock \
	bench clean clean-room faults fuzz

install: $(STAMP)

# What must be on the machine (README, "Set up"); each missing piece is one line saying what to install.
prerequisites:
	@command -v $(PYTHON) >/dev/null || { echo "make: Python 3.11 is missing; on Debian: apt-get install python3 python3-venv" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { echo "make: the lock is for Python 3.11 but $(PYTHON) is $$($(PYTHON) -V 2>&1); set PYTHON=/path/to/python3.11" >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { echo "make: $(PYTHON) cannot make a virtual environment; on Debian: apt-get install python3-venv" >&2; exit 1; }
	@test ! -f web/package.json || node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' 2>/dev/null || { echo "make: the web app (web/) needs Node.js 20 or newer; found $$(node --version 2>/dev/null || echo none)" >&2; exit 1; }

# uv is itself in the lock (dev extra), so `uv pip sync` keeps it; pip is only the bootstrap.
$(UV): | prerequisites
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip --default-pip >/dev/null
	@sed -n '/^uv==/,/^    # via/p' requirements.lock > $(VENV)/uv-requirement.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r $(VENV)/uv-requirement.txt

# --compile-bytecode: each module's bytecode is written once here. Without it the first run writes it,
# or, where Python may not write (PYTHONDONTWRITEBYTECODE, a read-only root), every start compiles
# every module it imports again: `dwp token` took 1.2 s instead of 0.6 (docs/performance.md).
$(STAMP): requirements.lock pyproject.toml Makefile | prerequisites $(UV)
	$(UV) pip sync --quiet --compile-bytecode --python $(PY) requirements.lock
	$(UV) pip install --quiet --compile-bytecode --python $(PY) --no-deps --no-build-isolation -e .
	$(PY) -m compileall -q src >/dev/null
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

# The counted kill -9 suite is left out (`-m "not faults"`: deselected, not skipped); `make faults` runs it.
test: install web lint typecheck contracts
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadgroup -q -rs -m "not faults"

# Slow: registrations and claims through the gateway while the citizen or claims process is killed with SIGKILL,
# and a payment run killed between sending and recording, counted in the
# database and at a consumer, on SQLite and (with DATABASE_URL) PostgreSQL. .ci/run runs it after `make test`.
faults: install
	$(VENV)/bin/pytest -q -rs -s -m faults tests/integration/test_kill9.py tests/integration/payments/test_kill9_payment_run.py

# Slow: schemathesis at 100 examples an operation on every service's OpenAPI (`make test` runs 8), the
# services spread over the cores; bounded at 25 minutes in all (a run past it fails). .ci/run runs it.
# One service's operations are one test (subtests), so a service may take longer than the suite's
# per-test timeout: 20 minutes here.
FUZZ_EXAMPLES ?= 100
fuzz: install
	DWP_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) timeout 1500 $(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist load \
		--timeout 1200 -q -rs tests/integration/test_openapi_fuzz.py

PY_DIRS := $(wildcard src tests benchmarks infra docker)

lint: install
	$(VENV)/bin/ruff check $(PY_DIRS)
	$(VENV)/bin/ruff format --check $(PY_DIRS)
	@# Security lint of the code that runs: any medium or high finding fails (low ones are asserts, the
	@# subprocess calls of our own CLI and the like, reviewed when they appear).
	$(VENV)/bin/bandit -q -r src --severity-level medium

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
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadgroup -q -m "not faults" tests/integration

e2e: install
	$(VENV)/bin/pytest -q tests/e2e

# Re-pin every dependency with hashes; the lock names no index and no download address. Universal (with
# markers) for any Python 3.11: Debian 12's 3.11.2 needs async-timeout, which a lock made on 3.11.7 omits.
lock: | $(UV)
	$(UV) pip compile pyproject.toml --all-extras --generate-hashes --universal --python-version 3.11 \
		--quiet -o requirements.lock

bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) benchmarks/http_baseline.py

# A new user's install on a plain Debian machine (env -i, a fresh HOME, the system's python3); CI runs it.
clean-room:
	.ci/clean-room

clean:
	rm -rf .dwp .pytest_cache .mypy_cache .ruff_cache
