"""The data-cleaning audit: the suites of `expectations/` decide every batch as it is loaded.

Modules, named by what they decide:

- `auditor`: the Auditor of a run: audits each batch inside the loader's transaction,
  decides again the files whose rules read a file that changed, records the run in
  audit.check_results and writes the report;
- `evaluate`: rules -> findings (SQL generated from the suites, set rules, exclusions);
- `quarantine`: findings -> audit.quarantine, audit.findings and the counts of
  audit.file_loads (records_read = loaded + quarantined + duplicates);
- `gx`: Great Expectations on the same records (context and suites set up once per run;
  imported only when used), naming every unexpected record;
- `compare`: SQL against GX, rule by rule and record by record;
- `decide`: accept or refuse a batch (refuse-severity rules, disagreements, GX errors,
  the quarantine threshold);
- `samples`: sample records for the report;
- `tables`: the tables a batch writes, and the one `delete_batch`;
- `results`: what a run concludes (rule, file and refusal records);
- `report`: the static HTML audit report of a run.
"""
