# TicketBase — `make help` lists the targets.
# Only Python 3.11+ is needed: uv is installed into .tools/ and creates .venv/ from uv.lock.
SHELL := /bin/bash
PYTHON ?= python3
UV := .tools/bin/uv
UV_VERSION := 0.9.30
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(shell command -v $(PYTHON))

.DEFAULT_GOAL := help
.PHONY: help install run test lint fmt typecheck unit integration migrate bench worker clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-11s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	@touch $@

install: $(VENV)/.synced ## install the locked dependencies into .venv

run: install ## migrate and serve the API (embedded PostgreSQL unless TICKETBASE_DATABASE_URL)
	$(BIN)/ticketbase serve

test: install lint typecheck ## lint, types, then every test
	$(BIN)/pytest -q tests || test $$? -eq 5

unit: install ## the fast unit tests only
	$(BIN)/pytest -q tests/unit || test $$? -eq 5

integration: install ## the tests that need PostgreSQL/Redis (embedded when not configured)
	$(BIN)/pytest -q tests/integration || test $$? -eq 5

lint: install ## ruff check and format check
	$(BIN)/ruff check src tests migrations benchmarks
	$(BIN)/ruff format --check src tests migrations benchmarks

fmt: install ## format and fix what ruff can
	$(BIN)/ruff format src tests migrations benchmarks
	$(BIN)/ruff check --fix src tests migrations benchmarks

typecheck: install ## mypy --strict on src/ and benchmarks/
	$(BIN)/mypy

migrate: install ## apply the database migrations
	$(BIN)/ticketbase migrate

worker: install ## run the background worker
	$(BIN)/ticketbase worker

bench: install ## load benchmarks (print figures; never pass/fail)
	$(BIN)/python -m benchmarks

clean: ## remove the environments and caches (keeps .data)
	rm -rf .tools $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
