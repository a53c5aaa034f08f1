# Atlas Ingest — the two commands on a fresh clone are `make demo` and `make test`.
# Everything runs from the project's own virtualenv (.venv) and environment (.atlas/env.sh),
# both created by `make setup`, which every target below runs first (quick when nothing changed).

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
ENV     = . .atlas/env.sh &&
PYTEST_ARGS ?=

.PHONY: setup demo test test-fast airflow stop dbt-manifest snapshots bench lint clean help

help:
	@echo "make demo      set up, run every family DAG in replay mode, then the marts DAG, print a summary"
	@echo "make test      set up, run the whole test suite"
	@echo "make airflow   the Airflow UI on http://localhost:8080 (airflow standalone)"
	@echo "make stop      stop the project-local PostgreSQL"

setup:
	@$(PYTHON) scripts/bootstrap.py setup

demo: setup
	@$(ENV) atlas demo

# pytest exits 5 when it collects nothing: that is a failure here, never a pass.
test: setup
	@$(ENV) python -m atlas_ingest.devenv ensure-browser
	@$(ENV) python -m pytest $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: no tests were collected" >&2; exit 1; fi; exit $$rc

# Everything except the slow end-to-end runs (CI runs `make test`, which includes them).
test-fast: setup
	@$(ENV) python -m pytest -m "not slow" $(PYTEST_ARGS)

airflow: setup
	@$(ENV) airflow standalone

stop:
	@$(PYTHON) scripts/bootstrap.py stop

dbt-manifest: setup
	@$(ENV) python -m atlas_ingest.devenv dbt-parse

# Every constructed snapshot, rebuilt from the reference data by its script. Order matters where
# one source's construction reads another's: Klass before the rest, the Frivillighetsregisteret
# before Lottstift (its recipients are registered organisations). The scripts are deterministic:
# on a clean checkout `make snapshots && git status` shows nothing changed.
SNAPSHOT_SCRIPTS = klass ssb brreg brreg_frivillighetsregisteret lottstift redcross folkehjelp fhi nav bufdir \
	husbanken udir imdi helsedirektoratet dsb
snapshots: setup
	@cd scripts/snapshots && for s in $(SNAPSHOT_SCRIPTS); do \
	  echo "[snapshots] $$s"; ../../.venv/bin/python $${s}_construct.py || exit 1; done

bench: setup
	@$(ENV) python bench/dagbag_parse.py && $(ENV) python bench/loader_vs_copy.py

clean:
	rm -rf .atlas/landing .atlas/report include/dbt/atlas/target include/dbt/atlas/logs
