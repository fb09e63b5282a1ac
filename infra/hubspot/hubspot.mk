# HubSpot developer-platform project (infra/hubspot): install its check tools, check it offline, upload it.
# Include from the top-level Makefile:   include infra/hubspot/hubspot.mk
#
#   make hubspot-tools    npm ci in infra/hubspot (HubSpot's project parser, TypeScript, ui-extensions types)
#   make hubspot-check    parse + validate the project offline (no HubSpot account, no network)
#   make hubspot-upload   hs project upload --profile $(HUBSPOT_PROFILE) (needs the HubSpot CLI and `hs account auth`)
#
# Including this file also makes `make tools` install the HubSpot tools (tests/contract/test_hubspot_project.py
# needs them) and `make distclean` remove them: a rule without a recipe only adds prerequisites.

HUBSPOT_DIR        := infra/hubspot
HUBSPOT_NODE_STAMP := $(HUBSPOT_DIR)/node_modules/.installed
HUBSPOT_PROFILE    ?= prod

.PHONY: hubspot-tools hubspot-check hubspot-upload hubspot-distclean

hubspot-tools: $(HUBSPOT_NODE_STAMP) ## infra/hubspot/node_modules (HubSpot project parser, TypeScript)

$(HUBSPOT_NODE_STAMP): $(HUBSPOT_DIR)/package.json $(HUBSPOT_DIR)/package-lock.json
	cd $(HUBSPOT_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

hubspot-check: $(HUBSPOT_NODE_STAMP) ## check the HubSpot project offline (@hubspot/project-parsing-lib + tsc)
	cd $(HUBSPOT_DIR) && node scripts/check-project.mjs

hubspot-upload: hubspot-check ## hs project upload with src/hsprofile.$(HUBSPOT_PROFILE).json (see INSTALL.md)
	@command -v hs >/dev/null || { echo "the HubSpot CLI is missing: npm install -g @hubspot/cli, then hs account auth"; exit 1; }
	@test -f $(HUBSPOT_DIR)/src/hsprofile.$(HUBSPOT_PROFILE).json || { \
	  echo "no $(HUBSPOT_DIR)/src/hsprofile.$(HUBSPOT_PROFILE).json: copy hsprofile.example.json (INSTALL.md step 3)"; exit 1; }
	cd $(HUBSPOT_DIR) && hs project upload --profile $(HUBSPOT_PROFILE)

hubspot-distclean:
	rm -rf $(HUBSPOT_DIR)/node_modules

tools: $(HUBSPOT_NODE_STAMP)
distclean: hubspot-distclean
