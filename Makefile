# Everything runs from a local virtual environment in .venv, made on first use.
# `make demo` and `make test` are the two commands a new machine needs.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
USWDS_VERSION := 3.14.0
AXE_VERSION := 4.14.1
USWDS_DIR := src/custodiet/web/static/uswds
SHARED ?= ../shared
DEMO_ENV := CUSTODIET_SECRET_KEY_FILE=.demo/secret-key CUSTODIET_PII_HASH_KEY_FILE=.demo/pii-hash-key \
  CUSTODIET_LOG_KEY_FILE=.demo/log.key CUSTODIET_SECURE=false \
  CUSTODIET_REPORTS_DIR=.demo/reports CUSTODIET_OVERSIGHT_CONFIG=.demo/governor/oversight.toml \
  CUSTODIET_EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend
TEST_ENV := CUSTODIET_INSECURE_DEV_KEY=true CUSTODIET_SECURE=false CUSTODIET_SHARED=$(abspath $(SHARED))

.PHONY: install assets test-assets browser pdf-libs demo test bench lint format clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test,bench,lint]'
	touch $@

# The U.S. Web Design System's compiled CSS, fonts and images, from its npm package.
assets: $(USWDS_DIR)/css/uswds.min.css

$(USWDS_DIR)/css/uswds.min.css:
	rm -rf .build/uswds && mkdir -p .build/uswds $(USWDS_DIR)
	cd .build/uswds && npm pack --silent @uswds/uswds@$(USWDS_VERSION) > /dev/null
	tar -xzf .build/uswds/uswds-uswds-$(USWDS_VERSION).tgz -C .build/uswds
	cp -r .build/uswds/package/dist/css .build/uswds/package/dist/fonts .build/uswds/package/dist/img $(USWDS_DIR)/
	cp .build/uswds/package/LICENSE.md $(USWDS_DIR)/

# axe-core, injected by the browser tests to check every page for accessibility.
test-assets: .build/axe-core/axe.min.js

.build/axe-core/axe.min.js:
	rm -rf .build/axe-core && mkdir -p .build/axe-core
	cd .build/axe-core && npm pack --silent axe-core@$(AXE_VERSION) > /dev/null
	tar -xzf .build/axe-core/axe-core-$(AXE_VERSION).tgz -C .build/axe-core
	cp .build/axe-core/package/axe.min.js $@

# Browser tests drive the system's Chromium; install it from Debian if it is missing.
browser:
	@command -v chromium > /dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver > /dev/null; \
	  else echo "Chromium is missing: sudo apt-get install chromium (browser tests will be skipped)"; fi; }

# WeasyPrint subsets the letters' fonts with HarfBuzz; without Debian's libharfbuzz-subset0
# it falls back to fontTools (the same PDFs) and warns for every font of every PDF.
pdf-libs:
	@$(PYTHON) -c "import ctypes.util, sys; sys.exit(not ctypes.util.find_library('harfbuzz-subset'))" || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libharfbuzz-subset0 > /dev/null; \
	  else echo "HarfBuzz's subsetter is missing: sudo apt-get install libharfbuzz-subset0 (letters still print, with fontTools)"; fi; }

# The demo's secrets, made once on this machine and never committed.
.demo/secret-key .demo/pii-hash-key:
	mkdir -p .demo && umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

# What the demo runs with, for the README's commands in another terminal: `. .demo/env`
# in the project folder (its paths are relative to it).
.demo/env: Makefile
	mkdir -p .demo
	{ printf 'export %s\n' $(DEMO_ENV); printf 'export PATH="%s:$$PATH"\n' "$(abspath $(BIN))"; } > $@

demo: install assets pdf-libs .demo/secret-key .demo/pii-hash-key .demo/env
	$(DEMO_ENV) $(BIN)/custodiet migrate --no-input
	$(DEMO_ENV) $(BIN)/custodiet collectstatic --no-input --verbosity 0
	$(DEMO_ENV) $(BIN)/custodiet demo
	@echo "For the README's commands, in another terminal in this folder: . .demo/env"
	$(DEMO_ENV) $(BIN)/custodiet runserver 127.0.0.1:8000

test: install assets test-assets browser pdf-libs
	$(TEST_ENV) $(BIN)/pytest -p no:cacheprovider

bench: install
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) .build $(USWDS_DIR) .static
