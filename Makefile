# Everything a newcomer (or CI) needs: `make demo` and `make test` work on a fresh machine with
# only Python and the package registries. uv is installed on demand because it makes the virtualenvs cheap.
SHELL := /bin/bash
PYTHON ?= python3
AIRFLOW_VERSION ?= 3.3.2
VENV ?= .venv
BIN := $(VENV)/bin
UV := $(shell command -v uv 2>/dev/null)
STAMP := $(VENV)/.installed-$(AIRFLOW_VERSION)

.PHONY: venv test unit lint demo ui e2e bench soak clean

$(STAMP): pyproject.toml
	@if [ -z "$(UV)" ]; then $(PYTHON) -m pip install --quiet --user uv || $(PYTHON) -m pip install --quiet uv; fi
	@uv=$$(command -v uv || echo "$(PYTHON) -m uv"); \
	  [ -x $(BIN)/python ] || $$uv venv --quiet --python $(PYTHON) $(VENV); \
	  VIRTUAL_ENV=$(VENV) $$uv pip install --quiet "apache-airflow==$(AIRFLOW_VERSION)" -e ".[test]" \
	    apache-airflow-providers-http ruff mypy types-requests build twine
	@touch $(STAMP)

venv: $(STAMP)

test: venv  ## the whole suite: unit, emulator, integration, faults, example DAGs under `airflow dags test`
	$(BIN)/python -m pytest -q tests --ignore=tests/e2e

unit: venv
	$(BIN)/python -m pytest -q tests/unit

lint: venv
	$(BIN)/ruff format --check airflow_provider_datameer tests example_dags benchmarks
	$(BIN)/ruff check airflow_provider_datameer tests example_dags benchmarks
	$(BIN)/mypy

demo: venv  ## trigger a Datameer job on the emulator through `airflow dags test` and say what happened
	$(BIN)/python scripts/demo.py

ui: venv  ## the same under `airflow standalone`, to watch in a browser at http://localhost:8080
	$(BIN)/python scripts/ui.py

e2e: venv  ## airflow standalone + triggerer + headless Chromium screenshot (artifacts/e2e/)
	$(BIN)/python -m pytest -q tests/e2e

bench: venv  ## benchmarks P1-P4, figures side by side with a peer
	$(BIN)/python benchmarks/run_all.py

soak: venv  ## thousands of triggers against an emulator injecting faults
	$(BIN)/python benchmarks/soak.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache dist build
