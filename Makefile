# Two commands set everything up on a fresh machine: `make run` and `make test`.
# Each creates the virtual environment (.venv) from requirements.lock on first use.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
READY  := $(VENV)/.ready
# The dashboard's browser test drives Debian's Chromium (never a browser a tool downloads).
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.DEFAULT_GOAL := help
.PHONY: help run test lint unit explore bench bench-scale bench-simulation token contracts clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(READY): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# A fresh machine may have no package index yet: update it first.
$(CHROMIUM):
	@echo "installing Debian's chromium for the dashboard's browser test"
	$(SUDO) apt-get update -q > /dev/null
	$(SUDO) apt-get install -y -q chromium > /dev/null

run: $(READY) ## the whole platform, a dashboard and a small simulated county (SIMULATE_RESIDENTS=0: none)
	$(PY) -m fdcs run

test: lint unit ## lint, type-check, then every test against PostgreSQL and a Kafka broker

lint: $(READY) ## ruff and mypy (strict)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

unit: $(READY) $(CHROMIUM) ## the tests only (pytest); PostgreSQL from DATABASE_URL, broker started by the session
	$(PY) -m pytest

explore: $(READY) ## every property test on examples CI never tries (ROUNDS=3 fresh seeds; SEED=n replays one)
	@for round in $$(seq $(or $(ROUNDS),3)); do \
	  seed=$(or $(SEED),$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')); \
	  echo "make explore: seed $$seed (replay: make explore SEED=$$seed ROUNDS=1)"; \
	  $(PY) -m pytest -q -m hypothesis --hypothesis-profile=explore --hypothesis-seed=$$seed || exit 1; \
	done

bench: $(READY) ## durable signing commands/s over HTTP against raw PostgreSQL inserts/s
	$(PY) bench/signing.py

bench-scale: $(READY) ## the appraisal of a city through Kafka, 1 and 2 workers (RESIDENTS=1000000; hours)
	$(PY) bench/appraisal_scale.py --residents $(or $(RESIDENTS),1000000)

bench-simulation: $(READY) ## the main job's requests/s: a county's year through the APIs (RESIDENTS=2000)
	$(PY) bench/simulation.py --residents $(or $(RESIDENTS),2000)

token: $(READY) ## a development token: make token ROLE=admin (or ARGS="--role family_doctor --team T1")
	@$(PY) -m fdcs token $(if $(ARGS),$(ARGS),--role $(or $(ROLE),admin))

contracts: $(READY) ## regenerate the events' JSON Schemas, docs/events.md and docs/settings.md
	$(PY) -m fdcs contracts

clean: ## remove the environment and local data
	rm -rf $(VENV) .local .pytest_cache .mypy_cache .ruff_cache
