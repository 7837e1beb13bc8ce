# Entry points for users and CI. Everything installs into .venv at the repo root.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)
# Byte-compiled caches matter: GX and Airflow import ~1,000 modules per process.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup browser test test-all test-unit test-integration test-fast run demo stop bench lint lock clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8

# Install the pinned, resolved set (constraints.txt) with the `local` extra (embedded PostgreSQL
# and S3 endpoint, requirements-local.txt), then the project itself (editable).
setup: $(BIN)/uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet --compile-bytecode -c constraints.txt \
	    -r requirements.txt -r requirements-local.txt -r requirements-dev.txt -r requirements-celery.txt
	$(BIN)/uv pip install --python $(BIN)/python --quiet --no-deps -e .
	$(BIN)/uv pip check --python $(BIN)/python

# The headless browser of the UI test (tests/test_stack_demo_apart.py): Debian's `chromium` package,
# installed with apt-get (as root, or through passwordless sudo) only when $(CHROMIUM) is
# missing. Playwright drives it as it is: no `playwright install`, no browser download.
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM
browser:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "browser: $(CHROMIUM) is missing and apt-get is unavailable: install Chromium and run" \
	         "\`make test CHROMIUM=/path/to/chromium\` (tests/test_stack_demo_apart.py drives it headless)" >&2; \
	    exit 1; \
	fi; \
	sudo=""; \
	if [ "$$(id -u)" != 0 ]; then \
	    if sudo -n true 2>/dev/null; then sudo="sudo -n"; else \
	        echo "browser: $(CHROMIUM) is missing; install it as root: apt-get install -y chromium" >&2; exit 1; \
	    fi; \
	fi; \
	echo "browser: $(CHROMIUM) missing; installing Debian's chromium with apt-get (UI test)"; \
	$$sudo apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends \
	    chromium fonts-liberation >/dev/null && \
	[ -x "$(CHROMIUM)" ] || { echo "browser: apt-get install chromium failed or gave no $(CHROMIUM)" >&2; exit 1; }

# The whole suite (README: `make test` runs it; .ci/run calls it). `test-all` is the same.
# Tiers (tests/conftest.py assigns them from what a test needs; README "Development", docs/contributing.md):
# unit (no server, no process), integration (real Postgres/S3/replica/processes), slow (Airflow,
# Celery, browser, reliability). Two workers on two cores; the longest scenarios start first.
TEST_WORKERS ?= 2
test: lint browser
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist load --maxschedchunk 1 --durations=25

test-all: test

# The unit tier, with the database and the S3 endpoint on closed ports: a test that needs a
# server is not a unit test and fails here.
CLOSED_PORTS := DATABASE_URL=postgresql://nobody:closed@127.0.0.1:9/none S3_ENDPOINT_URL=http://127.0.0.1:9
test-unit: setup
	$(CLOSED_PORTS) $(BIN)/python -m pytest -m unit -n $(TEST_WORKERS) --dist load -q

test-integration: setup
	$(BIN)/python -m pytest -m integration -n $(TEST_WORKERS) --dist load -q

# The development loop: everything but the slow end-to-end and reliability scenarios.
test-fast: lint
	$(BIN)/python -m pytest -m "not slow" -n $(TEST_WORKERS) --dist load -q

run: setup
	$(BIN)/yonhap-pipeline stack up --airflow

demo: setup
	$(BIN)/yonhap-pipeline stack up --airflow --demo

stop:
	@if [ -x $(BIN)/yonhap-pipeline ]; then $(BIN)/yonhap-pipeline stack down; fi

# All benchmarks in sequence -> bench/REPORT.md + the "Performance" section of docs/measurements.md (docs/performance.md).
# BENCH_ARGS=--quick for smaller sizes; BENCH_ARGS="--only seek,incremental" for a subset.
bench: setup .venv-peers
	$(BIN)/python -m bench.report $(BENCH_ARGS)

# The peer extractors bench_peers compares against, in their own venv (bench/requirements-peers.txt);
# created or repaired when the pins are not installed.
.PHONY: .venv-peers
.venv-peers: $(BIN)/uv
	$(BIN)/python -m bench.peers_env

# Style, then the layer contracts of docs/architecture.md (import-linter, pyproject.toml).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

# Re-resolve the full pinned set from the direct pins.
lock: $(BIN)/uv
	$(BIN)/uv pip compile --python-version 3.11 --quiet --no-header \
	    requirements.txt requirements-local.txt requirements-dev.txt requirements-celery.txt -o constraints.txt

clean: stop
	rm -rf $(VENV) .local
