"""The data-cleaning audit: the suites of `expectations/` decide every batch as it is loaded.

- `run`: inside the loader's transaction, SQL generated from the suites writes
  audit.quarantine, audit.findings and the counts of audit.file_loads; GX validates the same
  records and its failure counts must agree; a refusal or a quarantine rate over the
  threshold refuses the batch (its transaction rolls back); cross-file rules are decided
  again when the files they read change; audit.check_results records every rule.
- `gx`: Great Expectations on pandas frames (imported only when used).
- `report`: the static HTML audit report of a run.
"""
