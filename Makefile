# The two commands of the README: `make demo` and `make test`.
# Each installs what is missing (a pinned uv, then the locked environment) and is quick
# when everything is already in place.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast test-spark lint benchmark clean test-browser dashboard docs-site screenshots

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

$(STAMP): $(UV) pyproject.toml uv.lock
	UV_PYTHON_DOWNLOADS=never $(UV) sync --locked --python $(PYTHON)
	touch $(STAMP)

# dbt's manifest, which Dagster reads, prepared by dagster-dbt (`dbt deps`, `dbt parse`):
# again whenever a file of the dbt project changed. (`dagster dev` prepares it on every
# load, `crmwh refresh` when it is missing or out of date.)
DBT_MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/dbt_project.yml dbt_project/profiles.yml \
	dbt_project/packages.yml dbt_project/models dbt_project/macros dbt_project/seeds \
	dbt_project/tests -type f 2>/dev/null)

$(DBT_MANIFEST): $(STAMP) $(DBT_SOURCES)
	$(VENV)/bin/dagster-dbt project prepare-and-package \
		--file orchestration/defs/transform/project.py

install: $(STAMP) $(DBT_MANIFEST)

demo: install
	$(VENV)/bin/crmwh refresh
	@echo
	@echo "Open the Dagster UI on this warehouse with:"
	@echo "    $(VENV)/bin/dagster dev"
	@echo "then browse http://127.0.0.1:3000 (assets, checks, runs, the daily schedule and sensor)."
	@echo "Open the reference dashboard on the published marts with:"
	@echo "    make dashboard      # then browse http://127.0.0.1:8050/"

# The whole suite on both cores (pytest-xdist): the dbt manifest is prepared first, once
# (`install`), so that the two workers do not both write it. The Spark tests have a target
# of their own (CI runs both).
test: lint test-browser
	$(VENV)/bin/pytest -n 2 -m "not spark"

# The same warehouse on Spark (CRMWH_ENGINE=spark, docs/spark.md): the parity of every mart
# with the DuckDB build on the golden example. Needs Java 17 (`java` on PATH or JAVA_HOME).
test-spark: install
	@command -v java >/dev/null || [ -n "$$JAVA_HOME" ] || { \
		echo "test-spark needs Java 17: apt-get install openjdk-17-jre-headless (docs/spark.md)"; exit 1; }
	$(VENV)/bin/pytest -m spark

# The fast tier for daily work: parsers, malformed input, landing scan, generator, console,
# publication logic, the dbt unit tests on an empty warehouse (no load, no refresh).
test-fast: install
	$(VENV)/bin/pytest -n 2 -m "not slow and not spark"

# The browser tests (dashboard, docs site) drive Debian's Chromium through Debian's
# chromedriver: installed once with apt-get (as root, else through sudo), then a no-op.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
test-browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		echo "installing Debian's chromium and chromium-driver (browser tests)"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium chromium-driver >/dev/null; \
	fi

# The reference dashboard on the published marts (http://127.0.0.1:8050/).
dashboard: install
	$(VENV)/bin/crmwh dashboard

# dbt's documentation site, one self-contained file: warehouse/docs/index.html.
docs-site: install
	$(VENV)/bin/crmwh docs

# Screenshots of the dashboard and the docs site on the golden example (README).
screenshots: install test-browser
	CRMWH_SCREENSHOTS_DIR=docs/screenshots $(VENV)/bin/pytest -q \
		tests/test_dashboard.py tests/test_docs_site.py

lint: install
	$(VENV)/bin/ruff check orchestration expectations tests benchmarks synthetic_exports
	$(VENV)/bin/ruff format --check orchestration expectations tests benchmarks synthetic_exports
	@# The dbt SQL (.sqlfluff; fix with `sqlfluff fix`, same arguments). The dbt templater
	@# compiles every model: on an in-memory warehouse, so linting never opens the real one.
	CRMWH_WAREHOUSE=:memory: DBT_SEND_ANONYMOUS_USAGE_STATS=false \
		$(VENV)/bin/sqlfluff lint dbt_project/models dbt_project/tests --processes 2

clean:
	rm -rf warehouse dbt_project/target dbt_project/logs .pytest_cache

# Not part of `make test`: the refresh benchmark (benchmarks/refresh_benchmark.py), at
# scales 1, 10 and 100 by default; SCALES=1000 (or SCALES=1,1000) on request, the 1000x
# company is ~4.7 GB of exports. SCALE=100 (one scale) is still understood. Results in
# benchmarks/results/: benchmark.json and benchmark.png, and a timestamped copy of each.
SCALES ?= 1,10,100
ifdef SCALE
SCALES := $(SCALE)
endif
# ENGINE=spark: the same refreshes built on Spark (docs/spark.md).
ENGINE ?= duckdb
benchmark: install
	$(VENV)/bin/python benchmarks/refresh_benchmark.py --scales $(SCALES) --engine $(ENGINE)
