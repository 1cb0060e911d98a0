# 芳华议事厅 — the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-e2e test-pg lint format bench setup migrate seed clean messages guide

# The venv is rebuilt when requirements.txt changes.
$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# axe-core for the accessibility gate (tests/e2e/test_a11y_browser.py), from package-lock.json;
# skipped where npm is missing (those tests then skip, or fail under CI / REQUIRE_SERVICES=1).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund && touch $@; \
	else \
		echo "npm not found: the accessibility tests will skip (apt-get install nodejs npm)"; \
	fi

setup: $(VENV)/.installed node_modules/.installed

migrate: setup
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(BIN)/daphne -b $(HOST) -p $(PORT) config.asgi:application

test: migrate
	$(PY) manage.py seed_demo --quiet
	$(PY) -m pytest

# The browser tests alone (Playwright + Debian's Chromium); `make test` runs them too.
test-e2e: setup
	$(PY) -m pytest tests/e2e

# The guides' screenshots (docs/guide/img/): walked in Chromium by the browser test, which checks
# them against docs/guide/*.md; commit the images it writes. (`make test` writes to a temp folder.)
guide: setup
	GUIDE_SCREENSHOTS=write $(PY) -m pytest -q tests/e2e/test_guide_screenshots.py

# The same suite against PostgreSQL and the Redis channel layer.
PG_URL ?= postgres://postgres@127.0.0.1:5432/fanghua
REDIS ?= redis://127.0.0.1:6379/0
test-pg: setup
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS) TEST_REDIS_URL=$(REDIS) $(PY) -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Fan-out (and any other bench/*_bench.py); prints figures, writes bench/results.json and the
# tables in docs/benchmarks.md. The fan-out runs the app with REALTIME_DIRECT_WRITES on and off
# and the plain-websockets floor in the same run, and prints one table with the ratios. Uses its own SQLite file unless DATABASE_URL is set.
# Pass options with BENCH_ARGS, e.g. BENCH_ARGS="--clients 100 --rounds 20 --no-write".
bench: setup
	$(PY) bench/run.py $(BENCH_ARGS)

messages: setup
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=tests --ignore=bench --ignore=node_modules
	$(PY) manage.py makemessages -d djangojs -l en --ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles --ignore=node_modules
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) node_modules db.sqlite3* staticfiles .pytest_cache
