# The two commands of the README: `make demo` and `make test`.
# Each installs what is missing (a pinned uv, then the locked environment) and is quick
# when everything is already in place.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: install demo test lint benchmark clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

$(STAMP): $(UV) pyproject.toml uv.lock
	UV_PYTHON_DOWNLOADS=never $(UV) sync --locked --python $(PYTHON)
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/crmwh refresh
	@echo
	@echo "Open the Dagster UI on this warehouse with:"
	@echo "    $(VENV)/bin/dagster dev"
	@echo "then browse http://127.0.0.1:3000 (assets, checks, runs, the daily schedule and sensor)."

test: lint
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check orchestration expectations tests benchmarks
	$(VENV)/bin/ruff format --check orchestration expectations tests benchmarks

clean:
	rm -rf warehouse dbt_project/target dbt_project/logs .pytest_cache

# Not part of `make test`: big-scale runs. SCALE=100 for the 100x company.
SCALE ?= 10
benchmark: install
	$(VENV)/bin/python benchmarks/refresh_benchmark.py --scale $(SCALE)
