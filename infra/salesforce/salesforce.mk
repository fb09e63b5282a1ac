# Salesforce install artifacts (infra/salesforce): include from the top-level Makefile with
#   include infra/salesforce/salesforce.mk
# Node >= 22 (for the Salesforce CLI) comes from the npm package `node`, installed with the Salesforce CLI and
# the LWC Jest runner into infra/salesforce/node_modules (npm ci, own package-lock.json). Nothing here needs an org.

SF_DIR      := infra/salesforce
SF_BIN      := $(SF_DIR)/node_modules/.bin
SF_STAMP    := $(SF_DIR)/node_modules/.installed
SF_VENV     ?= $(if $(VENV),$(VENV),.venv)
# Node 22 first on PATH; no telemetry, no update checks (the checks run offline).
SF_ENV      := PATH="$(CURDIR)/$(SF_BIN):$$PATH" SF_DISABLE_TELEMETRY=true SFDX_DISABLE_TELEMETRY=true \
               SF_AUTOUPDATE_DISABLE=true SF_SKIP_NEW_VERSION_CHECK=true SF_HIDE_RELEASE_NOTES=true
SF_OUT      ?= .textloop/salesforce

.PHONY: salesforce-tools salesforce-check salesforce-xsd salesforce-convert salesforce-jest salesforce-clean

salesforce-tools: $(SF_STAMP) ## infra/salesforce/node_modules: Node 22, Salesforce CLI, LWC Jest (npm ci)

$(SF_STAMP): $(SF_DIR)/package.json $(SF_DIR)/package-lock.json
	cd $(SF_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# `make tools` (and so `make test`) installs them too.
tools: salesforce-tools

salesforce-check: $(SF_STAMP) $(VENV_STAMP) ## Salesforce metadata: XSD, sf project convert source, LWC Jest (pytest)
	$(SF_VENV)/bin/pytest tests/contract/test_salesforce_metadata.py $(PYTEST_ARGS)

salesforce-xsd: $(VENV_STAMP) ## validate infra/salesforce metadata against the Metadata API XSD (lxml)
	$(SF_VENV)/bin/pytest tests/contract/test_salesforce_metadata.py -k "xsd or schema" $(PYTEST_ARGS)

salesforce-convert: $(SF_STAMP) ## sf project convert source into .textloop/salesforce/mdapi (offline)
	rm -rf $(SF_OUT)/mdapi
	cd $(SF_DIR) && $(SF_ENV) sf project convert source --source-dir force-app --output-dir $(CURDIR)/$(SF_OUT)/mdapi

salesforce-jest: $(SF_STAMP) ## LWC Jest tests of infra/salesforce (offline)
	cd $(SF_DIR) && $(SF_ENV) node node_modules/@salesforce/sfdx-lwc-jest/bin/sfdx-lwc-jest

salesforce-clean: ## remove infra/salesforce/node_modules and rendered output
	rm -rf $(SF_DIR)/node_modules $(SF_OUT)
