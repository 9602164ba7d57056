# The two commands: `make run` (the whole system locally) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run reset-local test test-unit browser axe bench fuzz install clean review policy package deploy destroy admin staff

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "pip<26.3"
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m infra.local

# Start afresh: delete what `make run` keeps in .local/ (orders, accounts, invoices, the outbox,
# keys), refused while `make run` is using it. The next `make run` creates the demo business again.
reset-local: $(STAMP)
	$(BIN)/python -m infra.local --reset

# One review now against the running local system (start `make run` first, in another terminal).
PERIOD ?= daily
review: $(STAMP)
	$(BIN)/python -m infra.review --period $(PERIOD)

# Every tier in one pytest run, in workers (pytest-xdist) that share one queue to the end: each
# module of the system and deploy tiers goes whole to one worker (tests/conftest.py groups them, so
# its local system, browser or package is made once), the largest first; the unit and api tests
# are handed out one at a time after them, so no worker idles while another has a long queue. More
# workers than cores (TEST_WORKERS, default 3 on two cores): the system tier spends much of its
# time waiting on its local systems and browsers, and an api test takes the core meanwhile.
# One summary; the target fails when any test fails.
TEST_WORKERS ?= 3
test: $(STAMP) browser axe
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadgroup \
	  tests/system tests/deploy tests/unit tests/api

# The fast tier alone: pure logic, no moto, no network, no browser (tests/unit/).
test-unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

# Chromium for the browser tests (tests/support/browser.py), from Debian's packages, only
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

# axe-core (pinned in package.json and package-lock.json) for the browser tests' accessibility
# checks, from the npm registry, only when it is missing. Without npm it says so; those checks are skipped.
axe:
	@if [ -f node_modules/axe-core/axe.min.js ]; then :; \
	elif ! command -v npm >/dev/null 2>&1; then \
	  echo "axe: npm is missing, so axe-core is not installed; the accessibility checks will be skipped."; \
	else \
	  npm ci --no-audit --no-fund --loglevel=error || echo "axe: npm could not install axe-core; the accessibility checks will be skipped."; \
	fi

bench: $(STAMP)
	$(BIN)/python bench/run.py

# Schemathesis against a fresh local system, on docs/openapi.yaml as it serves it: ten minutes of
# examples, boundaries, random input and stateful sequences (tests/support/fuzz.py). `make test` runs a
# one-minute profile of the same (tests/system/test_fuzz.py). FUZZ_SEED=<n> replays a run.
fuzz: $(STAMP)
	$(BIN)/python -m tests.support.fuzz --profile full $(if $(FUZZ_SEED),--seed $(FUZZ_SEED))

# --- AWS (README, "Deploying to AWS") ---------------------------------------------------------
# make package [STAGE=prod]: build/<stage>/sam.json + deployment.zip, offline; prints the zip size.
# make deploy STAGE=prod SENDER_EMAIL=... PUBLIC_BASE_URL=... [ALARM_EMAIL=... ALLOWED_ORIGINS=...]
# make admin STAGE=prod EMAIL=... NAME="..."   make staff ... ROLE=technician   make destroy STAGE=prod
# make policy: rewrite .chalice/policy-*.json after the code changes which AWS calls it makes.
STAGE ?= prod

policy: $(STAMP)
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(BIN)/python -m infra.policy

package: $(STAMP)
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(BIN)/python -m infra.package --stage $(STAGE)

deploy: package
	$(BIN)/python -m infra.deploy deploy --stage $(STAGE)

destroy: $(STAMP)
	$(BIN)/python -m infra.deploy destroy --stage $(STAGE)

admin: $(STAMP)
	$(BIN)/python -m infra.create_admin --stage $(STAGE) --email "$(EMAIL)" --name "$(NAME)"

ROLE ?= technician
staff: $(STAMP)
	$(BIN)/python -m infra.create_admin --stage $(STAGE) --email "$(EMAIL)" --name "$(NAME)" --role $(ROLE)

clean:
	rm -rf $(VENV) .local .pytest_cache
