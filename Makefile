# ZJTX developer commands. `make run` serves the site; `make test` runs the tests.
# GNU make; the only thing assumed installed is python3 (3.11).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install: pip runs again only when pyproject.toml changes.
STAMP := $(VENV)/.installed
HOST_PORT := 127.0.0.1:8000

# Extra pytest arguments, e.g. make test PYTEST_ARGS='-k policy -x'
PYTEST_ARGS ?=
# pytest exits 5 when it collects no tests; that is a failure unless a run may
# legitimately be empty (ALLOW_NO_TESTS=1).
ALLOW_NO_TESTS ?= 0

.DEFAULT_GOAL := help
.PHONY: help setup run test lint

help:
	@echo "make run    安装依赖、迁移数据库并启动 http://$(HOST_PORT)/ (install, migrate, serve)"
	@echo "make test   运行全部测试 (run the whole test suite; PYTEST_ARGS='...' for more)"
	@echo "make lint   ruff check"
	@echo "make setup  只安装 (create .venv and install the project)"

setup: $(STAMP)
	@:

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -e '.[test]'
	@touch $@

# Development mode (ZJTX_DEBUG=1): debug pages, plain http, a secret key made once in var/.
# Production never runs `make run`: debug is off unless asked for (README, "Production").
run: setup
	ZJTX_DEBUG=1 $(BIN)/zjtx migrate --noinput
	ZJTX_DEBUG=1 $(BIN)/zjtx demo --if-empty
	@echo ""
	@echo "ZJTX 已启动 / running at: http://$(HOST_PORT)/   (Ctrl-C 停止 / to stop)"
	@echo ""
	@# The background worker (imports, django-tasks) runs beside the server and stops with it.
	@ZJTX_DEBUG=1 $(BIN)/zjtx db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	ZJTX_DEBUG=1 $(BIN)/zjtx runserver $(HOST_PORT)

test: setup
	@rc=0; $(BIN)/pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then \
	  if [ "$(ALLOW_NO_TESTS)" = 1 ]; then echo "pytest: no tests collected (allowed: ALLOW_NO_TESTS=1)"; exit 0; fi; \
	  echo "pytest: no tests collected — treated as a failure"; \
	fi; \
	exit $$rc

lint: setup
	$(BIN)/ruff check .
