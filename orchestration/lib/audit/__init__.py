"""The data-cleaning audit: the suites of `expectations/` run on every loaded batch.

- `run`: SQL generated from the suites writes audit.quarantine, audit.findings,
  audit.file_loads counts and audit.check_results; GX validates the same records and its
  failure counts must agree; a refusal or a quarantine rate over the threshold rolls the
  batches back and blocks everything downstream.
- `gx`: Great Expectations on pandas frames (imported only when used).
- `report`: the static HTML audit report of a run.
"""
