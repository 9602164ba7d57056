# The two commands: `make run` (the whole system locally) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test browser bench install clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m infra.local

test: $(STAMP) browser
	$(BIN)/python -m pytest -q tests

# Chromium for the browser tests (tests/test_booking_browser.py), from Debian's packages, only
# when /usr/bin/chromium is missing. Without root or apt-get it says so and carries on: those
# tests are then skipped, with the reason. (Playwright's own browser download is never used.)
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" != 0 ]; then \
	  echo "browser: /usr/bin/chromium is missing and this is not root, so it is not installed; the browser tests will be skipped."; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
	  echo "browser: /usr/bin/chromium is missing and there is no apt-get; the browser tests will be skipped."; \
	else \
	  echo "browser: installing Chromium (apt-get install chromium)..."; \
	  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } \
	    || echo "browser: apt-get could not install chromium; the browser tests will be skipped."; \
	fi

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .local .pytest_cache
