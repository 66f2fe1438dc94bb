# Everything a newcomer (or CI) needs: `make demo` and `make test` work on a fresh machine with
# only Python and the package registries. uv is installed on demand because it makes the virtualenvs cheap.
SHELL := /bin/bash
PYTHON ?= python3
AIRFLOW_VERSION ?= 3.3.2
VENV ?= .venv
BIN := $(VENV)/bin
# uv makes the virtualenvs cheap. It is taken from PATH, else from ~/.local/bin, if it knows every option used
# here (scripts/find_uv.sh), else installed into the project's own .venv-uv (never into the system interpreter or
# the user's site); `make UV=/path/to/uv` picks one. Every uv command names its target interpreter with --python
# and reads no uv.toml (--no-config), and the uv settings that could move an install elsewhere are not passed on,
# so nothing lands outside the project's virtualenvs. Those that say where packages come from (UV_DEFAULT_INDEX,
# UV_INDEX_URL, proxies, certificates, UV_CACHE_DIR, UV_OFFLINE) are honoured.
UV_VENV := .venv-uv
ifeq ($(origin UV),undefined)
UV := $(shell bash scripts/find_uv.sh $(abspath $(UV_VENV))/bin/uv)
endif
unexport UV_CONFIG_FILE UV_WORKING_DIR UV_SYSTEM_PYTHON UV_PYTHON
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
# pytest-xdist workers for `make test`, one test file per worker at a time (its fixtures stay in one process). The
# tiers mostly wait on the emulator and on `airflow dags test` subprocesses: 3 workers take 6 min on 2 cores where
# one takes 15. `make test TEST_WORKERS=0` runs in this process, for a debugger.
TEST_WORKERS ?= 3
MATRIX_TEST_PATHS := tests/unit tests/integration tests/dags tests/compat tests/cli tests/ui
# Before Airflow 3.2 the connection form comes from the hook's wtforms widgets, which need FAB.
EXTRA_PACKAGES_3.1.0 := apache-airflow-providers-fab

.PHONY: repair-venv venv test unit lint demo ui e2e bench soak clean matrix print-matrix dist topology topology-test \
  topology-venv $(addprefix test-airflow-,$(MATRIX))

$(abspath $(UV_VENV))/bin/uv:
	@bash scripts/bootstrap_uv.sh "$(PYTHON)" "$(UV_VENV)"

# The stamp is written only once the venv is proven usable (scripts/make_venv.sh); a venv whose stamp is there
# but whose packages are not (a deleted or half-replaced package) is found by a cheap check at every `make`
# and repaired instead of trusted.
VENV_PROBLEM := $(if $(wildcard $(STAMP)),$(shell out=$$($(BIN)/python -I scripts/venv_ready.py --quick 2>&1) \
  || echo "$${out:-its interpreter does not run}"))
$(STAMP): pyproject.toml $(filter $(abspath $(UV_VENV))/bin/uv,$(UV)) $(if $(VENV_PROBLEM),repair-venv)
	@rm -f $(VENV)/.installed-*
	@UV=$(UV) bash scripts/make_venv.sh "$(PYTHON)" $(VENV) $(DATE_FLAGS) "apache-airflow==$(AIRFLOW_VERSION)" \
	  -e ".[test,openlineage]" apache-airflow-providers-http $(EXTRA_PACKAGES) $(TOOLS)
	@touch $(STAMP)

repair-venv:
	@echo "make: $(VENV) needs repair ($(VENV_PROBLEM)); installing again"

venv: $(STAMP)

test: venv  ## every tier but e2e and topology: unit, emulator, integration, faults, fuzz, compat, benchmark smoke runs, example DAGs
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile $(TEST_PATHS) --ignore=tests/e2e --ignore=tests/topology

unit: venv
	$(BIN)/python -m pytest -q tests/unit

lint: venv  ## ruff, mypy, and the layer rule: core/ imports nothing from Airflow, the transports or the rest of the package
	$(BIN)/python scripts/check_layers.py
	$(BIN)/ruff format --check airflow_provider_datameer tests example_dags benchmarks scripts
	$(BIN)/ruff check airflow_provider_datameer tests example_dags benchmarks scripts
	$(BIN)/mypy

demo: venv  ## trigger a Datameer job on the emulator through `airflow dags test` and say what happened
	$(BIN)/python scripts/demo.py

ui: venv  ## the same under `airflow standalone`, to watch in a browser at http://localhost:8080
	$(BIN)/python scripts/ui.py

e2e: venv  ## airflow standalone + triggerer + headless Chromium screenshot (artifacts/e2e/)
	$(BIN)/python -m pytest -q tests/e2e

bench: venv  ## benchmarks P1-P5, figures side by side with a peer (P5: a real triggerer, ~40 min more)
	$(BIN)/python benchmarks/run_all.py

soak: venv  ## thousands of triggers against an emulator injecting faults
	$(BIN)/python benchmarks/soak.py

# The production layout (docs/topology.md): Airflow with the CeleryExecutor on PostgreSQL and Redis, in its own
# virtualenv because the Celery and Postgres providers are not among the provider's test dependencies.
TOPOLOGY_VENV := .venv-topology
TOPOLOGY_PACKAGES := apache-airflow-providers-celery apache-airflow-providers-postgres psycopg2-binary redis

topology-venv:
	@$(MAKE) --no-print-directory venv VENV=$(TOPOLOGY_VENV) EXTRA_PACKAGES="$(TOPOLOGY_PACKAGES)"

topology: topology-venv  ## Postgres + Redis + scheduler, dag-processor, api-server, 2 Celery workers, 2 triggerers + emulator
	$(TOPOLOGY_VENV)/bin/python scripts/topology.py

topology-test: topology-venv  ## the topology tier: mapped tasks, triggerer failover, two trigger copies, secrets
	$(TOPOLOGY_VENV)/bin/python -m pytest -q tests/topology

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
	UV=$(UV) PYTHON=$(abspath $(BIN))/python bash scripts/check_wheel.sh dist $(AIRFLOW_VERSION)

clean:
	rm -rf $(VENV) .venv-airflow-* $(TOPOLOGY_VENV) $(UV_VENV) $(UV_VENV).partial.* .pytest_cache .mypy_cache .ruff_cache dist \
	  build .airflow-demo .airflow-ui artifacts
