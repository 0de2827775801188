# The two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint static audit soak bench clean system-tools

run: $(VENV)/.installed
	$(BIN)/python -m service.launcher

test: $(VENV)/.installed-test system-tools
	$(MAKE) --no-print-directory static
	$(BIN)/python .ci/audit.py
	$(BIN)/python -m pytest

# The performance figures, each beside its reference (bench/README.md); wrk comes from Debian when missing.
bench: $(VENV)/.installed-bench
	@command -v wrk >/dev/null || (apt-get update -q && apt-get install -y -q --no-install-recommends wrk)
	$(BIN)/python -m bench

# ruff, bandit and pip-audit; pip-audit fails here when the vulnerability service cannot be reached.
lint: static audit

static: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/bandit -q -c pyproject.toml -r service workers schemas
	$(BIN)/lint-imports --no-cache

audit: $(VENV)/.installed-test
	$(BIN)/python .ci/audit.py --strict

# 60 s of mixed new and cached requests against the real stack on loopback (not part of `make test`).
soak: $(VENV)/.installed-soak
	$(BIN)/python bench/soak.py

# Debian packages the tests drive: docker-compose checks docker-compose.yml (no Docker engine runs here);
# chromium is the browser the console's tests drive (never a downloaded one).
system-tools:
	@command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || \
		(apt-get update -q && apt-get install -y -q --no-install-recommends docker-compose)
	@test -x /usr/bin/chromium || \
		(apt-get update -q && apt-get install -y -q --no-install-recommends chromium)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@ $(VENV)/.installed
$(VENV)/.installed-soak: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,soak]'
	touch $@ $(VENV)/.installed $(VENV)/.installed-test

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis tests/artifacts
