# Textloop developer entry points. Needs: Python 3.12, Node.js (>= 20) + npm, make.
#   make test    everything CI runs (lint, types, layers, template, build, all test tiers)
#   make demo    the whole local stack, scenario end to end, no cloud account
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

VENV        := .venv
VENV_STAMP  := $(VENV)/.installed
SAM_VENV    := .tools/sam
SAM         := $(SAM_VENV)/bin/sam
SAM_STAMP   := $(SAM_VENV)/.installed
CHECKOV_VENV  := .tools/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
NODE_STAMP  := node_modules/.installed
CHROMIUM    := $(shell command -v chromium || command -v chromium-browser || true)
FIND_PY     := infra/scripts/find-python.sh
PORT        ?= 3000
PYTEST_ARGS ?=

export SAM_CLI_TELEMETRY := 0
# Nothing in the build/test path needs a real AWS account; sam validate wants a region.
export AWS_DEFAULT_REGION ?= us-east-1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Install artifacts for the CRMs (their own node_modules and checks).
include infra/hubspot/hubspot.mk

.PHONY: help venv tools chromium lint format typecheck layers cfn build test test-fast demo bench faults serve clean distclean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-20s %s\n", $$1, $$2}'

# ------------------------------------------------------------------------------------ environments
venv: $(VENV_STAMP) ## .venv (Python 3.12): runtime + dev deps, textloop installed editable

$(VENV_STAMP): shared/requirements.txt requirements-dev.txt pyproject.toml $(FIND_PY)
	@py="$$($(FIND_PY))"; \
	if ! $(VENV)/bin/python -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then \
	  echo "creating $(VENV) with $$py"; rm -rf $(VENV); "$$py" -m venv $(VENV); \
	fi
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r shared/requirements.txt -r requirements-dev.txt
	@# quiet on success (setuptools prints a long editable-install notice); verbose re-run on failure
	$(VENV)/bin/python -m pip install --quiet --no-deps -e . >/dev/null 2>&1 || $(VENV)/bin/python -m pip install --no-deps -e .
	$(VENV)/bin/python -c 'import textloop, textloop_local'
	@touch $@

tools: $(SAM_STAMP) $(CHECKOV_STAMP) $(NODE_STAMP) chromium ## .tools/sam (AWS SAM CLI) + .tools/checkov (own venvs) + node_modules (Prism, Twilio OpenAPI) + Chromium

$(SAM_STAMP): infra/scripts/requirements-sam.txt $(FIND_PY)
	@py="$$($(FIND_PY))"; rm -rf $(SAM_VENV); echo "creating $(SAM_VENV) with $$py"; "$$py" -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet -r infra/scripts/requirements-sam.txt
	@touch $@

$(CHECKOV_STAMP): infra/scripts/requirements-checkov.txt $(FIND_PY)
	@py="$$($(FIND_PY))"; rm -rf $(CHECKOV_VENV); echo "creating $(CHECKOV_VENV) with $$py"; "$$py" -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r infra/scripts/requirements-checkov.txt
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The report's browser test opens the page in Debian's Chromium (apt; as root, or with sudo).
chromium:
	@if [ -z "$(CHROMIUM)" ]; then \
	  echo "installing chromium (apt) for the report's browser test"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium >/dev/null; \
	fi

# ----------------------------------------------------------------------------------------- checks
lint: $(VENV_STAMP) ## ruff check + ruff format --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV_STAMP) ## apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

typecheck: $(VENV_STAMP) ## mypy --strict on shared/ (the deployed package)
	$(VENV)/bin/mypy

layers: $(VENV_STAMP) ## import-linter: domain / service_layer / deployed-vs-local boundaries
	$(VENV)/bin/lint-imports

cfn: $(VENV_STAMP) $(SAM_STAMP) $(CHECKOV_STAMP) ## cfn-lint + sam validate --lint + checkov on template.yaml
	$(VENV)/bin/cfn-lint template.yaml
	$(SAM) validate --lint
	@# checkov crashes on the SAM template itself: it scans a rendering (parameters resolved, Globals merged,
	@# the template's justified skips applied; textloop_local/cfn_render.py). Any failed check fails the target.
	$(VENV)/bin/python -m textloop_local.cfn_render --out .textloop/checkov/template.json
	CKV_SKIP_PACKAGE_UPDATE_CHECK=true BC_SKIP_MAPPING=TRUE $(CHECKOV_VENV)/bin/checkov --quiet --compact \
	  --skip-download --framework cloudformation -f .textloop/checkov/template.json

build: $(SAM_STAMP) ## sam build (arm64 layer from manylinux wheels, no Docker), then bytecode in the build
	@pydir="$$(dirname "$$($(FIND_PY))")"; PATH="$$pydir:$$PATH" $(SAM) build
	@# Lambda cannot write __pycache__ under /opt or /var/task: without shipped bytecode every cold start
	@# compiles the layer's sources again. unchecked-hash .pyc stay valid whatever the zip's timestamps.
	"$$($(FIND_PY))" -W ignore::SyntaxWarning -m compileall -q -j 0 --invalidation-mode unchecked-hash .aws-sam/build >/dev/null

test: venv tools lint typecheck layers cfn build ## everything: checks, sam build, then pytest over all tiers
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test-fast: $(VENV_STAMP) ## pytest only (all tiers)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# -------------------------------------------------------------------------------------- local run
demo: venv ## run the end-to-end scenario against the local stack
	$(VENV)/bin/textloop demo

BURST_EVENTS ?= 10000
bench: venv ## local benchmark (speed ratios ~2 min, then a renewal burst of BURST_EVENTS events ~15 min)
	$(VENV)/bin/python -m textloop_local.bench --burst-events $(BURST_EVENTS)

faults: venv ## the demo scenario under the fault plans (fault_plans.json): table of plan x figures
	$(VENV)/bin/textloop faults

serve: venv ## local stack on PORT (default 3000)
	$(VENV)/bin/textloop serve --port $(PORT)

# ---------------------------------------------------------------------------------------- cleanup
clean: ## remove build/test caches
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache .import_linter_cache build dist .textloop
	find . -path '*/node_modules' -prune -o -path ./.venv -prune -o -path ./.tools -prune -o \
	  \( -name __pycache__ -o -name '*.egg-info' \) -type d -print0 | xargs -0 rm -rf

distclean: clean ## also remove .venv, .tools and node_modules
	rm -rf $(VENV) .tools node_modules

# The Salesforce install artifacts (after VENV_STAMP and tools are defined).
include infra/salesforce/salesforce.mk
