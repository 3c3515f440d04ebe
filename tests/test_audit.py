"""The data-cleaning audit: suites, the dirt log against the audit's outcome, the file-load
invariant, refusals through the real stack, and the report."""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from expectations import SUITES, Severity
from expectations import categories as cat
from orchestration.lib.contract import FILES
from orchestration.lib.loading import load_landing
from orchestration.lib.settings import DBT_PROJECT_DIR
from tests.support import copy_landing, refresh

# Loads and refreshes through the real stack: not in the fast tier.
pytestmark = pytest.mark.slow

# What each `expected` of a dirt log means in the audit's tables.
QUARANTINED = {"quarantine"}
FINDING_SEVERITY = {
    "dedupe": "dedupe",
    "fix": "fix",
    "redact": "fix",
    "flag": "flag",
    "link_unknown": "flag",
    "unspecified": "flag",
}
UNTOUCHED = {"merge_person", "keep"}


def _audit_outcome(warehouse: Path) -> tuple[set, dict]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        quarantined = {
            (str(d), f, n)
            for d, f, n in con.execute(
                "select batch_date, source_file, record_number from audit.quarantine"
            ).fetchall()
        }
        findings: dict[tuple, set[str]] = defaultdict(set)
        for d, f, n, severity in con.execute(
            "select batch_date, source_file, record_number, severity from audit.findings"
        ).fetchall():
            findings[(str(d), f, n)].add(severity)
    finally:
        con.close()
    return quarantined, findings


def compare_with_dirt_log(warehouse: Path, dirt_log: dict) -> list[str]:
    """Every dirtied record is handled as the contract's table says; no other record is
    quarantined, flagged, fixed or deduplicated. Returns the differences."""
    quarantined, findings = _audit_outcome(warehouse)
    problems: list[str] = []
    logged: set[tuple] = set()
    for entry in dirt_log["entries"] + dirt_log.get("controls", []):
        if entry.get("record_number") is None or entry.get("folder"):
            continue  # refused batches are tested through a refresh
        record = (entry["batch"], entry["file"], entry["record_number"])
        logged.add(record)
        expected = entry["expected"]
        got = findings.get(record, set())
        label = f"{record} {entry['kind']} (expected {expected})"
        if expected in QUARANTINED:
            if record not in quarantined:
                problems.append(f"{label}: not quarantined, findings {sorted(got)}")
        elif expected in FINDING_SEVERITY:
            if record in quarantined:
                problems.append(f"{label}: quarantined")
            elif FINDING_SEVERITY[expected] not in got:
                problems.append(f"{label}: findings {sorted(got)}")
        elif expected in UNTOUCHED:
            if record in quarantined:
                problems.append(f"{label}: quarantined")
    touched = quarantined | set(findings)
    for record in sorted(touched - logged):
        problems.append(f"clean record {record} touched: {sorted(findings.get(record, []))}")
    return problems


def _load_and_audit(landing: Path, warehouse: Path):
    report = load_landing(
        landing, warehouse, progress=lambda _: None, report_dir=warehouse.parent / "reports"
    )
    return report.raise_for_refusals().audit


# -- suites --------------------------------------------------------------------------------


def test_every_export_file_has_a_suite_with_a_severity_per_rule():
    assert set(SUITES) == {f.path for f in FILES}
    for suite in SUITES.values():
        assert suite.rules[0].name == "columns_present"
        assert suite.rules[0].severities == {Severity.REFUSE}
        for rule in suite.rules:
            assert rule.outcomes and all(isinstance(o.severity, Severity) for o in rule.outcomes)


# The contract's category columns (docs/exports.md, "category values spelled
# differently"): (export file, column).
CONTRACT_CATEGORY_COLUMNS = {
    ("crm/leads.csv", "source"),
    ("crm/deals.csv", "source"),
    ("crm/deals.csv", "deal_type"),
    ("crm/accounts.csv", "segment"),
    ("crm/contacts.csv", "buying_role"),
    ("crm/activities.csv", "activity_type"),
    ("crm/activities.csv", "outcome"),
    ("support/tickets.jsonl", "channel"),
    ("support/tickets.jsonl", "priority"),
    ("support/tickets.jsonl", "type"),
    ("payments/refunds.csv", "reason"),
}


def _staging_model(path: str) -> str:
    source, entity = path.split("/")[0], path.split("/")[1].split(".")[0]
    return f"stg_{source}__{entity}"


def _staging_normalisations() -> dict[tuple[str, str], tuple[str, str]]:
    """(model, column) -> (normalise_category|normalise_enum, argument giving the list)."""
    call = re.compile(
        r"normalise_(category|enum)\((?:adapter\.quote\()?'(\w+)'\)?, "
        r"(category_values\('\w+'\)|\[[^\]]*\]|\w+\(\)|\w+)\)"
    )
    found = {}
    for model in (DBT_PROJECT_DIR / "models" / "staging").rglob("stg_*.sql"):
        for kind, column, values in call.findall(model.read_text()):
            found[(model.stem, column)] = (kind, values)
    return found


def _staging_lists() -> dict[tuple[str, str], tuple[str, ...]]:
    """(model, column) -> the values staging normalises with, from the one definition
    (`vars.contract_categories` of dbt_project.yml, via `category_values`)."""
    lists = {}
    for key, (_, values) in _staging_normalisations().items():
        name = re.fullmatch(r"category_values\('(\w+)'\)", values)
        assert name, f"{key} normalises with a list of its own: {values}"
        assert name.group(1) in cat.CATEGORIES, f"{key}: no list {name.group(1)!r}"
        lists[key] = cat.CATEGORIES[name.group(1)]
    return lists


def test_staging_normalises_every_category_and_enum_with_the_one_list_definition():
    """No staging model spells out a list (or a macro/local list of its own): every
    normalise_category/normalise_enum reads `category_values(name)`; every list of the
    block is used; the dbt macro reads the same block as the audit."""
    normalisations = _staging_normalisations()
    assert len(normalisations) >= 30
    staging = _staging_lists()
    used = {re.search(r"'(\w+)'", values).group(1) for _, values in normalisations.values()}
    assert used == set(cat.CATEGORIES), set(cat.CATEGORIES) ^ used
    macro = (DBT_PROJECT_DIR / "macros" / "categories.sql").read_text()
    assert "var('contract_categories')" in macro
    assert not re.search(r"'[a-z_]+', '[a-z_]+'", macro), "a list spelled out in the macro"
    assert cat.LEAD_SOURCES == staging[("stg_crm__leads", "source")]


def test_every_contract_category_column_has_a_list_in_staging_and_the_audit():
    normalisations = _staging_normalisations()
    audited = {
        (suite.path, rule.column)
        for suite in SUITES.values()
        for rule in suite.rules
        if rule.gx and rule.gx[0] == "ExpectColumnValuesToBeInSet"
    }
    for path, column in CONTRACT_CATEGORY_COLUMNS:
        kind, _ = normalisations.get((_staging_model(path), column), (None, None))
        assert kind == "category", (path, column, kind)
        assert (path, column) in audited, (path, column)


def test_staging_maps_categories_and_enums_with_the_audits_lists():
    staging = _staging_lists()
    checked = 0
    for suite in SUITES.values():
        model = _staging_model(suite.path)
        for rule in suite.rules:
            if rule.gx and rule.gx[0] == "ExpectColumnValuesToBeInSet":
                values = tuple(v for v in rule.gx[1]["value_set"] if v != "other")
                expected = tuple(v for v in staging[(model, rule.column)] if v != "other")
                assert set(values) == set(expected), (model, rule.column)
                checked += 1
            elif rule.name.endswith("_unknown_value"):
                listed = re.search(r"\(\?:([a-z_|]+)\)", rule.gx[1]["regex"]).group(1)
                assert set(listed.split("|")) == set(staging[(model, rule.column)]), (
                    model,
                    rule.column,
                )
                checked += 1
    assert checked >= 25


# -- the dirt log against the audit --------------------------------------------------------


def test_golden_dirty_sample_is_audited_as_its_dirt_log_says(golden, tmp_path):
    result = _load_and_audit(golden / "dirty" / "landing", tmp_path / "crm.duckdb")
    assert result.passed, result.blocking
    dirt_log = json.loads((golden / "dirty" / "dirt_log.json").read_text())
    assert compare_with_dirt_log(tmp_path / "crm.duckdb", dirt_log) == []


@pytest.mark.parametrize("seed", [3, 11, 29])
def test_generated_dirty_data_is_audited_as_its_dirt_log_says(seed, tmp_path):
    from synthetic_exports import generate

    landing = tmp_path / "landing"
    generate(landing, seed=seed, days=120, batches=3, scale=0.3, dirty=True)
    dirt_log = json.loads(Path(f"{landing}.dirt_log.json").read_text())
    result = _load_and_audit(landing, tmp_path / "crm.duckdb")
    assert result.passed, result.blocking
    assert all(r.outcome not in ("mismatch", "error") for r in result.rules)
    assert compare_with_dirt_log(tmp_path / "crm.duckdb", dirt_log) == []


def test_sql_and_gx_are_compared_record_by_record_and_a_disagreement_names_them():
    """Equal counts are not enough: GX must find the records SQL found; the message of a
    disagreement names the records only one engine found."""
    from orchestration.lib.audit.compare import compare
    from orchestration.lib.audit.evaluate import Findings
    from orchestration.lib.audit.gx import GxRuleResult

    suite = SUITES["crm/deals.csv"]
    rule = next(r for r in suite.rules if r.name == "amount_not_decimal")
    findings = Findings(rows={(suite.path, rule.name): {("2026-11-20", 3), ("2026-11-20", 7)}})

    def result(*records):
        return {
            suite.path: [
                GxRuleResult(
                    rule.name, rule.gx.type, not records, len(records), 10, frozenset(records)
                )
            ]
        }

    def outcome(gx):
        [r] = [r for r in compare([suite], findings, gx, {suite.path: 10}) if r.rule == rule.name]
        return r

    agreed = outcome(result(("2026-11-20", 3), ("2026-11-20", 7)))
    assert agreed.outcomes == ("quarantined",) and agreed.failures_gx == 2 and not agreed.blocking
    differ = outcome(result(("2026-11-20", 3), ("2026-11-20", 8)))
    assert differ.outcome == "mismatch" and differ.blocking
    assert differ.details == (
        "SQL found 2, GX found 2; only SQL: 2026-11-20 #7; only GX: 2026-11-20 #8"
    )
    assert outcome(None).failures_gx is None  # GX did not run: SQL's outcome stands


def test_a_batch_over_the_threshold_is_refused_with_its_file_as_data(golden, tmp_path):
    from orchestration.lib.errors import RefusalKind

    landing = copy_landing(golden / "dirty" / "landing", tmp_path / "landing")
    _over_threshold_batch(landing, landing)
    report = load_landing(landing, tmp_path / "crm.duckdb", progress=lambda _: None, with_gx=False)
    [refusal] = report.refusals
    assert (refusal.batch, refusal.kind, refusal.files) == (
        "2026-11-24",
        RefusalKind.THRESHOLD,
        ("crm/deals.csv",),
    )
    assert str(report.refused["2026-11-24"]).startswith(
        "2026-11-24: refused by the audit: crm/deals.csv: "
    )
    assert "threshold 20%" in refusal.message and report.loaded == [
        "2026-11-20",
        "2026-11-21",
        "2026-11-23",
    ]


# -- invariants of the refreshed warehouse ---------------------------------------------------


def test_records_read_equal_loaded_plus_quarantined_plus_duplicates(dirty_refreshed):
    warehouse, _ = dirty_refreshed
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        broken = con.execute(
            "select batch_date, source_file from audit.file_loads where records_read <> "
            "records_loaded + records_quarantined + duplicates_removed"
        ).fetchall()
        totals = con.execute(
            "select sum(records_quarantined), sum(duplicates_removed), sum(records_fixed), "
            "sum(records_flagged), (select count(*) from audit.quarantine), "
            "(select count(distinct run_id) from audit.check_results) from audit.file_loads"
        ).fetchall()[0]
        staged_quarantined = con.execute(
            "select count(*) from staging.stg_crm__deals as d inner join audit.quarantine as q "
            "on q.source_file = 'crm/deals.csv' and q.batch_date = d.batch_date "
            "and q.record_number = d.record_number"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert broken == []
    quarantined, duplicates, fixed, flagged, quarantine_rows, runs = totals
    assert quarantined == quarantine_rows > 0
    assert duplicates > 0 and fixed > 0 and flagged > 0 and runs >= 1
    assert staged_quarantined == 0


def test_quarantine_keeps_the_raw_record_and_a_reason(dirty_refreshed):
    warehouse, _ = dirty_refreshed
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute("select record, rule, reason from audit.quarantine").fetchall()
    finally:
        con.close()
    for record, rule, reason in rows:
        assert json.loads(record) and rule and reason
        assert not re.search(r"\b4111 ?1111 ?1111 ?1111\b", record)


# -- refusals through the real stack ------------------------------------------------------------

MART_TABLES_SQL = (
    "select table_schema, table_name from information_schema.tables "
    "where table_schema = 'marts' order by all"
)


def _marts_snapshot(warehouse: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(MART_TABLES_SQL).fetchall()
        return {
            f"{s}.{t}": con.execute(
                f"select count(*), hash(list(x order by all)) from {s}.{t} as x"
            ).fetchall()[0]
            for s, t in tables
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def refreshed_base(golden, tmp_path_factory):
    """A refreshed warehouse of the golden dirty landing, to refuse batches on top of."""
    root = tmp_path_factory.mktemp("audit_refusals")
    landing = copy_landing(golden / "dirty" / "landing", root / "landing")
    warehouse = root / "crm.duckdb"
    result = refresh(landing, warehouse)
    assert result.success, result.error
    return root, landing, warehouse


def _over_threshold_batch(landing: Path, target: Path) -> Path:
    """A copy of the last batch as 2026-11-24 where half of the deals have a date that is
    not guessed (`21/11/2026`)."""
    last = sorted(p for p in landing.iterdir() if p.is_dir())[-1]
    batch = target / "2026-11-24"
    shutil.copytree(last, batch)
    (batch / "_manifest.json").unlink(missing_ok=True)
    deals = batch / "crm" / "deals.csv"
    lines = deals.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    at = header.index("expected_close_date")
    for i in range(1, len(lines), 2):
        fields = lines[i].split(",")
        if len(fields) == len(header):
            fields[at] = "21/11/2026"
            lines[i] = ",".join(fields)
    deals.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return batch


def _check_evaluations(instance, run_id: str) -> dict[tuple[str, str], bool]:
    """(asset key, check name) -> passed, for every check evaluated in the run."""
    evaluations = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is not None and event.event_type_value == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            evaluations[(data.asset_key.to_user_string(), data.check_name)] = data.passed
    return evaluations


def _refresh_fails(landing, warehouse, root, monkeypatch, capsys) -> str:
    from dagster import DagsterInstance, DagsterRunStatus

    from orchestration.cli import main

    home = root / f"dagster_home_{len(list(root.glob('dagster_home_*')))}"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    before = _marts_snapshot(warehouse)
    code = main(["refresh", "--landing", str(landing), "--warehouse", str(warehouse)])
    out = capsys.readouterr().out
    assert code != 0, out
    assert _marts_snapshot(warehouse) == before  # readable and unchanged
    runs = DagsterInstance.get().get_runs()
    assert runs and runs[0].status == DagsterRunStatus.FAILURE
    return out


def test_batch_over_the_quarantine_threshold_is_refused(refreshed_base, monkeypatch, capsys):
    root, landing, warehouse = refreshed_base
    batch = _over_threshold_batch(landing, landing)
    try:
        out = _refresh_fails(landing, warehouse, root, monkeypatch, capsys)
        assert "crm/deals.csv" in out and "threshold 20%" in out, out
        assert "audit report:" in out
        from dagster import DagsterInstance

        instance = DagsterInstance.get()
        checks = _check_evaluations(instance, instance.get_runs()[0].run_id)
        # The blocking checks where they belong: the deals' audit and the quarantine fail.
        assert checks[("raw/crm__deals", "contract_audit")] is False
        assert checks[("raw/crm__accounts", "contract_audit")] is True
        assert checks[("audit/quarantine", "quarantine_within_threshold")] is False
        assert checks[("audit/file_loads", "counts_add_up")] is True
        con = duckdb.connect(str(warehouse), read_only=True)
        try:  # the refused batch is out of raw: the next refresh refuses it again
            left = con.execute(
                "select count(*) from raw.crm__deals where _batch_date = '2026-11-24'"
            ).fetchall()[0][0]
        finally:
            con.close()
        assert left == 0
    finally:
        shutil.rmtree(batch)


def test_batch_with_a_missing_required_column_is_refused(
    refreshed_base, golden, monkeypatch, capsys
):
    root, landing, warehouse = refreshed_base
    extra = golden / "dirty" / "refused_batch"
    batches = [landing / b.name for b in extra.iterdir()]
    for b in extra.iterdir():
        shutil.copytree(b, landing / b.name)
    try:
        out = _refresh_fails(landing, warehouse, root, monkeypatch, capsys)
        assert "crm/deals.csv" in out and "stage_id" in out, out
    finally:
        for b in batches:
            shutil.rmtree(b)


# -- the report ------------------------------------------------------------------------------


def test_report_shows_counts_failed_expectations_and_sample_records(dirty_refreshed):
    _, result = dirty_refreshed
    assert result.audit_report, "the refresh summary links the audit report"
    page = Path(result.audit_report).read_text(encoding="utf-8")
    assert "PASSED" in page and "crm/deals.csv" in page
    assert "closed_at_before_created_at" in page and "superseded_duplicate_id" in page
    assert "sample records" in page and "1.234,56" in page
    assert "http://" not in page and "https://" not in page  # self-contained, opens offline
