# Everything a newcomer (or CI) needs: `make demo` and `make test` work on a fresh machine with
# only Python and the package registries. uv is installed on demand because it makes the virtualenvs cheap.
SHELL := /bin/bash
PYTHON ?= python3
AIRFLOW_VERSION ?= 3.3.2
VENV ?= .venv
BIN := $(VENV)/bin
# uv makes the virtualenvs cheap. It is taken from PATH, else from ~/.local/bin, else installed into the
# project's own .venv-uv (never into the system interpreter or the user's site). Every `uv pip install`
# names its target interpreter with --python, so nothing lands outside the project's virtualenvs.
UV_VENV := .venv-uv
UV ?= $(or $(shell command -v uv 2>/dev/null),$(wildcard $(HOME)/.local/bin/uv),$(UV_VENV)/bin/uv)
# Resolve dependencies as they were on this date (empty: the newest), like Airflow's constraints file of an
# older release would; the packages in RESOLVE_EXEMPT (our own requirements) are still taken at their newest.
RESOLVE_DATE ?=
RESOLVE_EXEMPT ?= apache-airflow-providers-common-compat
EXTRA_PACKAGES ?=
TOOLS ?= ruff mypy types-requests build twine
DATE_FLAGS := $(if $(RESOLVE_DATE),--exclude-newer $(RESOLVE_DATE) \
  $(foreach pkg,$(RESOLVE_EXEMPT),--exclude-newer-package $(pkg)=2100-01-01))
STAMP := $(VENV)/.installed-$(AIRFLOW_VERSION)$(if $(RESOLVE_DATE),-$(RESOLVE_DATE))

# The version matrix besides AIRFLOW_VERSION (the primary, in .venv): the newest 2.x and the lowest 3.x that
# pyproject.toml claims, each in .venv-airflow-VERSION with its dependencies as of its release.
MATRIX := 2.11.2 3.1.0
RESOLVE_DATE_2.11.2 := 2026-03-15
RESOLVE_DATE_3.1.0 := 2025-09-26
# The other legs run what touches Airflow's APIs: the provider's tiers and every example DAG; the emulator,
# fault, fuzz and benchmark tiers test Airflow-independent code (or Airflow 3.3 features) once, in the primary.
TEST_PATHS ?= tests
MATRIX_TEST_PATHS := tests/unit tests/integration tests/dags tests/compat
# Before Airflow 3.2 the connection form comes from the hook's wtforms widgets, which need FAB.
EXTRA_PACKAGES_3.1.0 := apache-airflow-providers-fab

.PHONY: venv test unit lint demo ui e2e bench soak clean matrix print-matrix dist $(addprefix test-airflow-,$(MATRIX))

$(UV_VENV)/bin/uv:
	@bash scripts/bootstrap_uv.sh "$(PYTHON)" "$(UV_VENV)"

# The stamp is written only once the venv is proven usable; a half-made venv is repaired by the next `make`.
$(STAMP): pyproject.toml $(if $(filter $(UV_VENV)/bin/uv,$(UV)),$(UV_VENV)/bin/uv)
	@rm -f $(VENV)/.installed-*
	@bash scripts/check_python.sh "$(PYTHON)"
	@[ -x $(BIN)/python ] && $(BIN)/python -c 'import sys' 2>/dev/null || $(UV) venv --quiet --clear --python $(PYTHON) $(VENV)
	@$(UV) pip install --quiet --python $(BIN)/python $(DATE_FLAGS) "apache-airflow==$(AIRFLOW_VERSION)" -e ".[test,openlineage]" \
	    apache-airflow-providers-http $(EXTRA_PACKAGES) $(TOOLS) \
	  || { echo "make: installing into $(VENV) failed (see above): is the package index reachable from here?" >&2; exit 1; }
	@$(BIN)/python -c 'import airflow, aiohttp, airflow_provider_datameer' \
	  || { echo "make: $(VENV) is not usable (Airflow, aiohttp or the provider does not import); run make again to repair it" >&2; exit 1; }
	@touch $(STAMP)

venv: $(STAMP)

test: venv  ## the whole suite: unit, emulator, integration, faults, example DAGs under `airflow dags test`
	$(BIN)/python -m pytest -q $(TEST_PATHS) --ignore=tests/e2e

unit: venv
	$(BIN)/python -m pytest -q tests/unit

lint: venv
	$(BIN)/ruff format --check airflow_provider_datameer tests example_dags benchmarks scripts
	$(BIN)/ruff check airflow_provider_datameer tests example_dags benchmarks scripts
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

matrix: $(addprefix test-airflow-,$(MATRIX))  ## `make test` under every other Airflow version CI proves

$(addprefix test-airflow-,$(MATRIX)): test-airflow-%:
	$(MAKE) --no-print-directory test AIRFLOW_VERSION=$* VENV=.venv-airflow-$* RESOLVE_DATE=$(RESOLVE_DATE_$*) \
	  EXTRA_PACKAGES="$(EXTRA_PACKAGES_$*)" TOOLS= TEST_PATHS="$(MATRIX_TEST_PATHS)"

print-matrix:
	@echo $(MATRIX)

dist: venv  ## wheel + sdist, twine check, then install the wheel into a fresh virtualenv and ask Airflow about it
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*
	UV=$(abspath $(UV)) bash scripts/check_wheel.sh dist $(AIRFLOW_VERSION)

clean:
	rm -rf $(VENV) .venv-airflow-* $(UV_VENV) .pytest_cache .mypy_cache .ruff_cache dist build .airflow-demo .airflow-ui artifacts
