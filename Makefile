# Helpdesk: every task has a target here; CI runs `make test` (via .ci/run).
#   make run              start the whole stack (embedded PostgreSQL, Redis, Envoy) and the web app on this machine
#   make web              build the web app (clients/web/dist) if its sources changed
#   make screenshots      refresh the README's screenshots (docs/screenshots/) from the end-to-end suite
#   make test             install what is needed, then lint + typecheck + check-generated + pytest
#   make docs             build the API reference page (/docs: Swagger UI over the OpenAPI document)
#   make generate         regenerate clients/ from protos/
#   make check-generated  fail if clients/ does not match protos/
#   make breaking         fail if the contract breaks its 1.0 baseline (buf breaking; the OpenAPI diff runs in pytest)
#   make contract-baseline  accept an intended break: new baselines in protos/baseline/, committed with the change
#   make bench            benchmark against a bare grpc.aio echo server
#   make soak             20 minutes of mixed load at ~60% of capacity: throughput, p99, RSS drift (not in `make test`)
#   make fuzz             250 fresh random requests per RPC (over 11,000 calls), every answer deliberate (not in `make test`)

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: all install run test pytest lint format typecheck generate check-generated bench soak fuzz clean browser-deps web web-deps web-check screenshots docs breaking contract-baseline

all: test

$(STAMP): pyproject.toml setup.py storage/repositories/_article_snippets.c clients/python/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]' -e clients/python
	touch $(STAMP)

# The project's bytecode, compiled ahead: PYTHONDONTWRITEBYTECODE is set where the tests and CI run,
# so without it every `helpdesk serve` a test starts (and every pytest run) compiles its ~240 modules
# again, about 30% of a start's instructions. Checked-hash .pyc files hold a hash of their source,
# which Python compares on every import: an edited file is compiled afresh in memory, even within
# the same second and at the same size (a timestamp .pyc would run the old code then). Test modules
# are left out (pytest compiles its own rewritten copies); nothing runs when no source changed.
BYTECODE := $(VENV)/.bytecode
BYTECODE_DIRS := domain server storage devstack clients/python/helpdesk tests bench
BYTECODE_SKIP := (/test_[^/]*|/conftest|/node_modules/.*)\.py$$
BYTECODE_SOURCES := $(shell find $(BYTECODE_DIRS) -name node_modules -prune -o -name '*.py' -print 2>/dev/null)

$(BYTECODE): $(STAMP) $(BYTECODE_SOURCES)
	$(PY) -m compileall -q --invalidation-mode checked-hash -x '$(BYTECODE_SKIP)' $(BYTECODE_DIRS)
	touch $@

install: $(STAMP) $(BYTECODE)

run: $(STAMP) web docs
	$(VENV)/bin/helpdesk dev

# The web app: `npm ci` when a lock file changed (npm rewrites node_modules/.package-lock.json on
# every install), `npm run build` when a source changed; nothing at all when dist/ is up to date.
# The app compiles the TypeScript client from its sources (clients/typescript/src), type-checked
# against that package's own node_modules. The end-to-end tests' axe-core comes from tests/web
# (installed by `make test`, not by `make run`).
WEB := clients/web
TS_CLIENT := clients/typescript
WEB_SOURCES := $(shell find $(WEB)/src $(WEB)/public $(TS_CLIENT)/src -type f 2>/dev/null) \
	$(wildcard $(WEB)/index.html $(WEB)/*.ts $(WEB)/tsconfig*.json $(WEB)/package.json)
WEB_INSTALLS := $(WEB)/node_modules/.package-lock.json $(TS_CLIENT)/node_modules/.package-lock.json
E2E_INSTALLS := tests/web/node_modules/.package-lock.json

%/node_modules/.package-lock.json: %/package-lock.json
	cd $* && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(WEB)/dist/index.html: $(WEB_INSTALLS) $(WEB_SOURCES)
	cd $(WEB) && npm run --silent build

web-deps: $(WEB_INSTALLS) $(E2E_INSTALLS)

web: $(WEB)/dist/index.html

# The web app's own checks: ESLint (with the import boundaries), the Vitest unit tests, and the
# JS budgets (scripts/bundle-size.mjs): 182 KB gzip for the entry every first visit loads up front, 203 KB for a
# first visit straight to any page (the project-wide ceilings are 200 KB and 205 KB).
web-check: web
	cd $(WEB) && npm run --silent lint && npm test --silent && npm run --silent size

# The API reference page served at /docs: Swagger UI from npm (install scripts off: its only
# dependency's script is telemetry) beside the generated OpenAPI document, into clients/docs/dist/.
DOCS := clients/docs
$(DOCS)/node_modules/.package-lock.json: $(DOCS)/package-lock.json
	cd $(DOCS) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

$(DOCS)/dist/index.html: $(DOCS)/node_modules/.package-lock.json $(wildcard $(DOCS)/site/*) clients/openapi/helpdesk.v1.openapi.json
	rm -rf $(DOCS)/dist && mkdir -p $(DOCS)/dist
	cp $(DOCS)/node_modules/swagger-ui-dist/swagger-ui-bundle.js $(DOCS)/node_modules/swagger-ui-dist/swagger-ui.css $(DOCS)/dist/
	cp clients/openapi/helpdesk.v1.openapi.json $(DOCS)/dist/openapi.json
	cp $(DOCS)/site/* $(DOCS)/dist/

docs: $(DOCS)/dist/index.html

generate: $(STAMP)
	PYTHON=$(PY) bash protos/generate.sh .

check-generated: $(STAMP)
	PYTHON=$(PY) bash protos/check-generated.sh

breaking: $(STAMP)
	PYTHON=$(PY) bash protos/breaking.sh

contract-baseline: generate
	PYTHON=$(PY) bash protos/breaking.sh --update

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP) $(BYTECODE)
	$(VENV)/bin/pytest

test: browser-deps web-deps web web-check docs lint typecheck check-generated breaking pytest

# Runs the end-to-end suite's screenshot pass and copies the README's few into docs/screenshots/.
screenshots: $(STAMP) browser-deps web-deps web
	HELPDESK_SCREENSHOTS_TO_DOCS=1 $(VENV)/bin/pytest tests/web -q -k screenshot

# Debian's Chromium for the real-browser tests (tests/clients/browser); Playwright only drives it
# (its own browser download is not used). Needs root, as on CI; a no-op when already installed.
# The browser test drives Debian's chromium (a registry package, not a browser download); CI runs as root.
browser-deps:
	test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

bench: $(STAMP)
	$(PY) -m bench $(BENCH_ARGS)

# Each RPC's examples run under pytest-timeout's limit per test, raised for the larger run.
fuzz: $(STAMP)
	HELPDESK_FUZZ_EXAMPLES=250 HELPDESK_FUZZ_RANDOM=1 $(VENV)/bin/pytest tests/reliability/test_fuzz.py \
		-k "fuzzed or healthy" --timeout 1800 -q $(FUZZ_ARGS)

soak: $(STAMP)
	$(PY) -m bench.soak --duration 1200 $(SOAK_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
