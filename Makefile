# The two commands of the README: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The WebSocket size limits, as in settings.WEBSOCKET_MAX_BYTES (a test keeps the two equal).
DAPHNE_LIMITS := --websocket-max-message-size 65536 --websocket-max-frame-size 65536

.PHONY: run dev test test-fast test-browser lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs again only when pyproject.toml changed since the last install.
$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv>=0.13,<0.14"
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip install --quiet -r pyproject.toml
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-app
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip install --quiet -r pyproject.toml --extra test
	touch $@

# `make run` is the app as someone runs it for real on their own machine: DEBUG off (the app's
# own error pages), a secret key made once into .secret-key (git ignores it), static files
# collected and served by WhiteNoise, plain HTTP on this machine. The environment wins over each
# of these. `make dev` is the same server with DEBUG on, for working on the code.
RUN_ENV = DEBUG=$${DEBUG:-0} SECRET_KEY_FILE=$${SECRET_KEY_FILE:-.secret-key} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-$(HOST),127.0.0.1,localhost} PLAIN_HTTP=$${PLAIN_HTTP:-1}
DEV_ENV = DEBUG=1

run: $(VENV)/.installed-app
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Imago Dialogue: http://$(HOST):$(PORT)/"
	$(RUN_ENV) $(BIN)/daphne -b $(HOST) -p $(PORT) $(DAPHNE_LIMITS) imago_app.asgi:application

dev: $(VENV)/.installed-app
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	@echo "Imago Dialogue (development, DEBUG on): http://$(HOST):$(PORT)/"
	$(DEV_ENV) $(BIN)/daphne -b $(HOST) -p $(PORT) $(DAPHNE_LIMITS) imago_app.asgi:application

# Two pytest processes: Playwright's sync API keeps an event loop running, which breaks
# pytest-asyncio tests that run after it in the same process.
test: $(VENV)/.installed-test
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/pytest -m "not browser"
	$(BIN)/pytest -m browser

test-fast: $(VENV)/.installed-test
	$(BIN)/pytest -m "not browser"

test-browser: $(VENV)/.installed-test
	$(BIN)/pytest -m browser

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The load benchmark (bench/run.py): all four configurations, N stepped up to capacity; 20 to 60
# minutes at the defaults, depending on how far N gets. Pass options through BENCH_ARGS, e.g.
#   make bench BENCH_ARGS="--configs sqlite,pg --couples 50,200 --duration 20"
$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-app
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip install --quiet -r pyproject.toml --extra bench
	touch $@

bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# For CI: three couples for a few seconds on SQLite, plus the bare relay; fails if nothing moved.
.PHONY: bench-smoke
bench-smoke: $(VENV)/.installed-bench
	$(BIN)/python -m bench.run --smoke

clean:
	rm -rf $(VENV) staticfiles .test-db.sqlite3* test-artifacts
