# `make run` starts the bot; `make test` installs what the tests need and runs them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install chromium axe clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/response-bot run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# The browser tests drive Debian's Chromium through Playwright; Playwright never downloads one.
chromium:
	@test -x /usr/bin/chromium || command -v chromium >/dev/null || \
		(echo "installing Chromium for the browser tests"; apt-get install -y -q chromium >/dev/null || \
		 sudo apt-get install -y -q chromium >/dev/null)

# The accessibility checks run axe-core (from npm, pinned) inside the pages the browser tests open.
AXE := .cache/axe/node_modules/axe-core/axe.min.js
axe: $(AXE)
$(AXE):
	npm install --prefix .cache/axe --silent --no-audit --no-fund axe-core@4.14.1

# Most tests wait on the network and timers, so three workers share two cores well; the soak runs on
# its own afterwards, since it loads the machine on purpose.
test: lint chromium axe
	$(BIN)/pytest -n 3 -m "not soak"
	$(BIN)/pytest -m soak

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
