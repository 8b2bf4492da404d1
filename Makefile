# Two commands for a newcomer: `make run` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench clean lock

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	@$(BIN)/python -m bot run

test: $(STAMP)
	$(BIN)/ruff check bot tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/python -m bot validate knowledge
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

# Pin what is installed now, with hashes: run after changing the dependencies in pyproject.toml
# (install the new ones into .venv first: .venv/bin/pip install -e '.[dev]').
lock: $(STAMP)
	$(BIN)/python tools/lock.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
