# The two commands: `make demo` and `make test`. Both build .venv from nothing.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench install clean ui

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU build of torch first: an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[all,dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/quickstart.py
	$(BIN)/python examples/sklearn_autolog.py
	$(BIN)/python examples/sweep_python.py
	@echo "See these runs in a browser: $(BIN)/autotrack ui   (then open http://127.0.0.1:5000)"

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Rebuild the web UI's bundle (needs Node.js and npm; users and CI never do): commit autotrack/ui/static after.
ui:
	cd ui && npm ci --no-audit --no-fund && npm run build

clean:
	rm -rf $(VENV) autotrack-runs build *.egg-info
