# Two commands: `make run` and `make test`. Both set everything up first and are idempotent:
# the virtualenv is rebuilt only when pyproject.toml or constraints.txt change.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-scale clean setup browser

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing actionbot and its pinned dependencies into $(VENV) ..."
	@# (this machine's pip config names local index folders that may not exist: drop only those warnings)
	@$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]' 2>&1 \
		| { grep -v "^WARNING: Location 'file://.*' is ignored" || true; }
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/actionbot serve --bootstrap

# The browser tests (tests/browser) drive Debian's Chromium through Playwright (no browser download)
# and inject axe-core from tests/browser/node_modules (npm ci from the committed package-lock.json).
browser:
	@test -x /usr/bin/chromium || { echo "Installing Debian's chromium for the browser tests ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }
	@test -f tests/browser/node_modules/axe-core/axe.min.js || npm ci --prefix tests/browser --no-audit --no-fund --silent

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m bench

# the 100,000-action plan (import, status, ticks): several minutes, so not part of `make bench`
bench-scale: $(STAMP)
	$(BIN)/python -m bench scale-100k

clean:
	rm -rf $(VENV) actionbot.db .pytest_cache
