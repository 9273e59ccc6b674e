# The two commands of the README: `make demo` and `make test`. Each sets itself up on a fresh machine:
# a virtualenv (.venv) with the pinned toolchain of tests/requirements.txt, and the
# build/ansible_collections/cloudwall/alicloud tree that ansible-test and ansible-playbook use.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath .)
VENV := $(ROOT)/.venv
BIN := $(VENV)/bin
BUILD := $(ROOT)/build
COLLECTION := $(BUILD)/ansible_collections/cloudwall/alicloud
ANSIBLE_TEST_PYTHON ?= 3.12
PIP_CACHE_SCRIPT := $(HOME)/.ansible/test/cache/get_pip_25_2.py
PYTEST_WORKERS ?= 2

export ANSIBLE_COLLECTIONS_PATH := $(BUILD)
export ANSIBLE_NOCOLOR := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help venv collection mermaid-parser sanity units units-fast emulator-tests conformance integration lint build-check test demo bench dist clean

help:
	@echo "make demo   - start the emulator, run the demo playbook twice (idempotent), show the result"
	@echo "make test   - sanity, unit, emulator, integration tests, ansible-lint and a galaxy build check"
	@echo "make conformance - the ECS conformance suite against a fresh emulator (tests/conformance/README.md)"
	@echo "make dist   - build the emulator's wheel (cloudwall-ecs-emulator) into build/dist-emulator"
	@echo "make bench  - run the benchmarks, print the tables, write benchmarks/RESULTS.md (not part of make test)"
	@echo "make units-fast - the unit tests with plain pytest (seconds); make units (ansible-test) stays the gate"
	@echo "make mermaid-parser - install the pinned Mermaid parser the report tests run (npm ci into build/mermaid)"
	@echo "parts of make test: sanity units emulator-tests conformance integration lint build-check"
	@echo "make clean  - remove .venv and build/"

venv: $(VENV)/.installed

$(VENV)/.installed: tests/requirements.txt requirements.txt
	@python=$$(hacking/find_python.sh); echo "Creating $(VENV) with $$python"; \
	  "$$python" -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r tests/requirements.txt
	@touch $@

collection: venv
	@$(BIN)/python hacking/sync_collection.py $(ROOT) $(COLLECTION)

# Mermaid's own parser for the report tests (tests/lib/mermaid_check.py, tests/lib/mermaid/README.md): the packages
# pinned by tests/lib/mermaid/package-lock.json, installed by npm ci into build/mermaid/node_modules, where the tests
# look; again only when the lock file changes. Without node (20.19 or later) and npm the parser tests skip and say
# so, except in CI (CI=true), where that fails here.
MERMAID_DIR := $(BUILD)/mermaid
MERMAID_STAMP := $(MERMAID_DIR)/node_modules/.cloudwall-installed
MERMAID_LOCK := tests/lib/mermaid/package.json tests/lib/mermaid/package-lock.json

mermaid-parser: $(MERMAID_STAMP)

$(MERMAID_STAMP): $(MERMAID_LOCK)
	@missing=""; \
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then missing="node and npm are not both on PATH"; \
	elif ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then \
	  missing="node $$(node --version) is older than 20.19 (jsdom needs 20.19 or later)"; fi; \
	if [ -n "$$missing" ]; then \
	  if [ "$${CI:-}" = "true" ]; then \
	    echo "mermaid-parser: $$missing. CI (CI=true) runs the report charts through Mermaid's parser: install Node.js 20.19+ with npm." >&2; exit 1; \
	  fi; \
	  echo "mermaid-parser: $$missing: the Mermaid parser tests will be skipped (the strict chart check still runs)"; exit 0; \
	fi; \
	rm -rf $(MERMAID_DIR) && mkdir -p $(MERMAID_DIR) && cp $(MERMAID_LOCK) $(MERMAID_DIR)/; \
	echo "mermaid-parser: npm ci into $(MERMAID_DIR)"; \
	if ! (cd $(MERMAID_DIR) && npm ci --no-audit --no-fund --loglevel=error); then \
	  rm -rf $(MERMAID_DIR)/node_modules; \
	  if [ "$${CI:-}" = "true" ]; then echo "mermaid-parser: npm ci failed (see above)" >&2; exit 1; fi; \
	  echo "mermaid-parser: npm ci failed: the Mermaid parser tests will be skipped"; exit 0; \
	fi; \
	touch $@

# ansible-test downloads a pip bootstrap script from a host that may be out of reach; the stand-in does the
# same with ensurepip (see hacking/get_pip_offline.py).
$(PIP_CACHE_SCRIPT): hacking/get_pip_offline.py
	@mkdir -p $(dir $@)
	@cp $< $@

sanity: collection $(PIP_CACHE_SCRIPT)
	cd $(COLLECTION) && $(BIN)/ansible-test sanity --venv --python $(ANSIBLE_TEST_PYTHON) --color no
	@# Modules also run on the older Pythons ansible-core 2.21 supports on targets: compile there too.
	@hacking/target_pythons.sh | while read -r version interpreter; do \
	  if [ "$$interpreter" = "-" ]; then echo "compile on Python $$version: skipped, no interpreter found"; continue; fi; \
	  (cd $(COLLECTION) && $(BIN)/ansible-test sanity --test compile --python $$version \
	    --python-interpreter "$$interpreter" --color no) || exit 1; \
	done

units: collection mermaid-parser $(PIP_CACHE_SCRIPT)
	cd $(COLLECTION) && $(BIN)/ansible-test units --venv --python $(ANSIBLE_TEST_PYTHON) --color no

# Every pytest run starts in the build tree; pytest.ini adds --ansible-unit-inject-only, so pytest-ansible puts
# ANSIBLE_COLLECTIONS_PATH (exported above) on the import path and shared test code is imported as
# ansible_collections.cloudwall.alicloud.tests.lib / .tests.unit.
units-fast: collection mermaid-parser
	cd $(COLLECTION) && $(BIN)/python -m pytest tests/unit -q

emulator-tests: collection
	cd $(COLLECTION) && $(BIN)/python -m pytest tests/emulator -q -n $(PYTEST_WORKERS)

# The ECS behaviour the collection relies on, checked through the SDK against a fresh emulator (or a real account:
# tests/conformance/README.md).
conformance: collection
	cd $(COLLECTION) && $(BIN)/python -m pytest tests/conformance -q

# The emulator as its own distribution (pyproject.toml): a wheel with the cloudwall-ecs-emulator command.
# It is built from a copy (pyproject.toml and emulator/ only) so setuptools leaves no egg-info in the checkout, with
# the pinned setuptools of tests/requirements.txt (no download at build time).
dist: venv
	@rm -rf $(BUILD)/dist-emulator $(BUILD)/emulator-src && mkdir -p $(BUILD)/dist-emulator $(BUILD)/emulator-src
	@cp -r pyproject.toml emulator $(BUILD)/emulator-src/ && find $(BUILD)/emulator-src -name __pycache__ -prune -exec rm -rf {} +
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir $(BUILD)/dist-emulator $(BUILD)/emulator-src
	@ls $(BUILD)/dist-emulator/*.whl

integration: collection mermaid-parser
	cd $(COLLECTION) && $(BIN)/python -m pytest tests/integration -q -n $(PYTEST_WORKERS)

lint: collection
	cd $(COLLECTION) && $(BIN)/ansible-lint --profile production --offline

build-check: collection
	@rm -rf $(BUILD)/dist && mkdir -p $(BUILD)/dist
	cd $(COLLECTION) && $(BIN)/ansible-galaxy collection build --force --output-path $(BUILD)/dist
	$(BIN)/python hacking/check_build.py $(BUILD)/dist/cloudwall-alicloud-*.tar.gz

test: sanity units emulator-tests conformance integration lint build-check
	@echo "make test: all checks passed"

demo: collection
	PYTHONPATH=$(BUILD) $(BIN)/python hacking/demo.py

# Not part of `make test`: about 11-13 minutes on a 2-core machine.
bench: collection
	PYTHONPATH=$(BUILD) $(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(BUILD)
