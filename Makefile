# Dialtone: `make run` starts the portal with demo data; `make test` runs every test, browser tests included.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pyproject.toml says which versions may work (>=); constraints.txt pins the ones the tests and CI run with.
CONSTRAINTS := constraints.txt

.PHONY: run test test-fast browser screenshots lint validate-html constraints bench clean

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[test,dev]'
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

# The W3C checker (Nu Html Checker, the vnu-jar npm package, on Java) on every page the browser tests saved
# (test-artifacts/html, written by `make test`). Without Java or npm it says it is skipped, and why.
VNU_VERSION := 26.9.27
VNU := $(VENV)/vnu/node_modules/vnu-jar/build/dist/vnu.jar
validate-html:
	@command -v java >/dev/null 2>&1 || { echo "HTML validation skipped: Java is not installed (the W3C checker, vnu.jar, runs on Java)"; exit 0; }; \
	if [ ! -f $(VNU) ]; then \
	  command -v npm >/dev/null 2>&1 || { echo "HTML validation skipped: npm is not installed (it fetches the vnu-jar package)"; exit 0; }; \
	  npm install --prefix $(VENV)/vnu --no-audit --no-fund --silent vnu-jar@$(VNU_VERSION) || exit 1; \
	fi; \
	ls test-artifacts/html/*.html >/dev/null 2>&1 || { echo "No pages saved: run make test first"; exit 1; }; \
	echo "W3C checker on $$(ls test-artifacts/html/*.html | wc -l) pages saved by the browser tests"; \
	java -jar $(VNU) --errors-only --skip-non-html test-artifacts/html && echo "Every page is valid HTML."

# Not in CI yet: the domain packages and their import contracts come first.
lint: $(STAMP)
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	$(BIN)/mypy app || status=1; \
	$(BIN)/lint-imports || status=1; \
	exit $$status

# Re-resolve the newest versions pyproject.toml allows into constraints.txt (then run `make test` and commit both).
constraints:
	rm -rf .venv-constraints
	$(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/pip install --quiet --upgrade pip
	.venv-constraints/bin/pip install --quiet -e '.[test,dev]'
	{ echo "# The exact versions \`make\` installs for the tests and CI (pip install -c constraints.txt)."; \
	  echo "# pyproject.toml keeps the lower bounds. Regenerate with \`make constraints\`, then run \`make test\`."; \
	  .venv-constraints/bin/pip freeze --exclude-editable; } > $(CONSTRAINTS)
	rm -rf .venv-constraints

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache test-artifacts
