# Loyalty Portal. `make run` serves the demo; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app app

.PHONY: run test lint bench bench-scale screenshots vendor migrate clean

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(BIN)/activate

$(VENV)/.test-deps: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

instance/config.py:
	@mkdir -p instance
	@$(PYTHON) -c "import secrets; print('SECRET_KEY = %r\nAPI_SECRET = %r' % (secrets.token_urlsafe(48), secrets.token_urlsafe(48)))" > $@
	@chmod 600 $@
	@echo "Wrote fresh secrets to instance/config.py (not committed)."

# The worker runs beside the web server; stopping one (Ctrl-C) stops both. Webhooks may
# go to local receivers in the demo.
run: $(BIN)/activate instance/config.py
	$(FLASK) db upgrade
	$(FLASK) seed-demo --logins-file instance/demo-logins.txt
	export LOYALTY_WEBHOOKS_ALLOW_PRIVATE=$${LOYALTY_WEBHOOKS_ALLOW_PRIVATE:-true}; \
	$(FLASK) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.test-deps
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/python bench/webhooks.py $(BENCH_WEBHOOK_ARGS)

# Issue 9's scale check (minutes to hours: not in `make test`); see bench/README.md.
bench-scale: $(VENV)/.test-deps
	$(BIN)/python bench/scale.py $(BENCH_SCALE_ARGS)

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

screenshots: $(VENV)/.test-deps
	$(BIN)/python -m tests.browser.screenshots

migrate: $(BIN)/activate
	$(FLASK) db migrate -m "$(MESSAGE)"

vendor:
	$(PYTHON) static/vendor/fetch.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .import_linter_cache .grimp_cache .mypy_cache
