# Dialtone: `make run` starts the portal with demo data; `make test` runs every test, browser tests included.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast browser screenshots bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m app.devrun

browser:
	@# Playwright cannot download its own browser here: use Debian's Chromium, installed when missing.
	@command -v chromium >/dev/null 2>&1 || ls $$HOME/.cache/ms-playwright/chromium-* >/dev/null 2>&1 || \
	  { echo "Installing Debian's chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) || \
	    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium); }

test: $(STAMP) browser
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not browser"

# The README's screenshots: the browser tests, writing their screenshots into docs/screenshots.
screenshots: $(STAMP) browser
	DIALTONE_SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest -m browser

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache test-artifacts
