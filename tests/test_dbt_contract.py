"""The dbt project's generated copy of the contract (orchestration/lib/dbt_contract.py) is up
to date, and the rules it carries are written once. Fast: reads files, runs no dbt."""

from __future__ import annotations

import re

import pytest
import yaml

from expectations import patterns
from orchestration.lib import dbt_contract
from orchestration.lib.contract import FILES

DBT = dbt_contract.DBT_PROJECT_DIR


def test_the_committed_generated_files_are_up_to_date():
    stale = dbt_contract.stale_files()
    assert not stale, (
        f"out of date: {', '.join(map(str, stale))}; run `{dbt_contract.WRITE_COMMAND}`"
    )
    assert dbt_contract.main(["--check"]) == 0


def test_check_names_missing_changed_and_orphaned_files(tmp_path, capsys):
    assert set(dbt_contract.stale_files(tmp_path)) == set(dbt_contract.generated_files())
    dbt_contract.write(tmp_path)
    assert dbt_contract.stale_files(tmp_path) == []
    changed = tmp_path / dbt_contract.sources_path("crm")
    changed.write_text(changed.read_text() + "# an edit\n")
    orphan = tmp_path / "models" / "staging" / "crm" / "base" / "base_crm__gone.sql"
    orphan.write_text(dbt_contract.base_model_sql(FILES[0]))
    assert dbt_contract.stale_files(tmp_path) == [
        dbt_contract.sources_path("crm"),
        orphan.relative_to(tmp_path),
    ]
    dbt_contract.write(tmp_path)
    assert dbt_contract.stale_files(tmp_path) == [] and not orphan.exists()


def test_every_generated_file_says_it_is_generated_and_how_to_regenerate():
    for path in dbt_contract.generated_files():
        head = "\n".join((DBT / path).read_text().splitlines()[:3])
        assert "GENERATED" in head and dbt_contract.WRITE_COMMAND in head, path


def _source_tables() -> dict[tuple[str, str], dict]:
    tables = {}
    for path in sorted((DBT / "models" / "staging").glob("*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                tables[(source["name"], table["name"])] = {**table, "schema": source["schema"]}
    return tables


def test_one_source_per_system_keyed_by_the_ingestion_asset_with_the_contract():
    tables = _source_tables()
    for spec in FILES:
        table = tables.pop((spec.source, spec.entity))
        assert table["schema"] == "raw" and table["identifier"] == spec.table
        assert table["meta"]["dagster"]["asset_key"] == ["raw", spec.table]
        assert table["meta"]["contract"] == {
            "file": spec.path,
            "kind": spec.kind,
            "key": list(spec.key),
            "updated_at": spec.updated_at,
        }
        columns = [c["name"] for c in table["columns"]]
        assert columns == [*spec.columns, "_batch_date", "_source_file", "_record_number"]
    # what is left is the audit's own source
    assert {key: table["meta"]["dagster"]["asset_key"] for key, table in tables.items()} == {
        ("audit", "file_loads"): ["audit", "file_loads"],
        ("audit", "quarantine"): ["audit", "quarantine"],
        ("audit", "findings"): ["audit", "findings"],
    }


def test_every_export_file_has_a_one_line_base_model_and_no_model_restates_a_file():
    for spec in FILES:
        sql = (DBT / dbt_contract.base_model_path(spec)).read_text()
        body = [line for line in sql.splitlines() if not line.startswith("{#")]
        assert body == [f"{{{{ base_model('{spec.source}', '{spec.entity}') }}}}"]
    names = re.compile(r"\w+/\w+\.(?:csv|jsonl)\b|resolve_(?:snapshot|delta)\(")
    for path in (DBT / "models").rglob("*.sql"):
        assert not names.search(path.read_text()), f"{path} restates an export file"
    for path in (DBT / "tests").rglob("*.sql"):
        assert not names.search(path.read_text()), f"{path} restates an export file"


def test_only_the_base_layer_and_the_audit_models_read_sources():
    readers = set()
    for path in [*(DBT / "models").rglob("*.sql"), *(DBT / "macros").rglob("*.sql")]:
        if re.search(r"\bsource\(", path.read_text()):
            readers.add(str(path.relative_to(DBT)))
    assert readers == {
        "macros/resolution.sql",  # base_model()
        "macros/generic_tests/base_model_tests.sql",  # the base models' tests
        "models/staging/audit/stg_audit__file_loads.sql",
    }


def _generated_formats() -> dict[str, str]:
    text = (DBT / dbt_contract.FORMATS_MACRO).read_text()
    found = dict(re.findall(r"^        '(\w+)': '(.*)',$", text, flags=re.M))
    return {name: pattern.replace("\\\\", "\\") for name, pattern in found.items()}


@pytest.mark.parametrize("name,constant", sorted(dbt_contract.FORMATS.items()))
def test_staging_parses_with_the_audits_patterns(name, constant):
    """The generated pattern is the Python constant without its ` *`: on a trimmed value
    both accept the same strings."""
    generated = _generated_formats()[name]
    python = getattr(patterns, constant)
    untrimmed = python.startswith(" *") and python.endswith(" *")
    assert generated == (python[2:-2] if untrimmed else python)
    samples = [
        "2026-02-28",
        "2026-02-29",
        "2024-02-29",
        "2026-02-30",
        "2026-11-20T10:15:00Z",
        "2026-11-20T10:15:00.25+01:00",
        "2026-11-20T10:15:00",
        "2026-11-20 10:15:00",
        "1785657691",
        "12.50",
        "-3",
        "1.234,56",
        "1234",
        "ab@c.de",
        "ab@",
        "n/a",
    ]
    for sample in samples:
        assert bool(re.fullmatch(generated, sample)) == bool(re.fullmatch(python, sample)), (
            name,
            sample,
        )


def test_no_macro_writes_its_own_format_or_fold():
    for name in ("parsing.sql", "flags.sql", "categories.sql"):
        text = (DBT / "macros" / name).read_text()
        assert "\\\\d" not in text and "[0-9]" not in text, f"{name} writes a pattern"
        assert "replace(replace(" not in text, f"{name} writes the fold"
    fold = (DBT / dbt_contract.FORMATS_MACRO).read_text()
    assert "return([" + ", ".join(f"'{c}'" for c in patterns.FOLD_IGNORED) + "])" in fold
    assert f"return({patterns.BIGINT_DIGITS})" in fold


def test_accepted_values_of_contract_categories_are_not_spelled_out():
    """A column whose accepted values are one of `vars.contract_categories` uses the
    generic test accepted_contract_values, which reads the var."""
    categories = yaml.safe_load((DBT / "dbt_project.yml").read_text())["vars"][
        "contract_categories"
    ]
    lists = {frozenset(v) for v in categories.values()}
    lists |= {v | {"other"} for v in lists}
    for path in (DBT / "models").rglob("_*models.yml"):
        for model in yaml.safe_load(path.read_text()).get("models") or []:
            for column in model.get("columns") or []:
                for test in column.get("data_tests") or []:
                    if isinstance(test, dict) and "accepted_values" in test:
                        values = test["accepted_values"]["arguments"]["values"]
                        assert frozenset(values) not in lists, (path.name, column["name"])
                    if isinstance(test, dict) and "accepted_contract_values" in test:
                        category = test["accepted_contract_values"]["arguments"]["category"]
                        assert category in categories, (path.name, column["name"])


def test_every_dimension_builds_its_unknown_member_with_the_macro():
    dimensions = sorted((DBT / "models" / "marts" / "core").glob("dim_*.sql"))
    with_member = [p.stem for p in dimensions if "union_unknown_member(" in p.read_text()]
    assert len(with_member) >= 8, with_member
    for path in dimensions:
        assert "unknown_member as (" not in path.read_text(), path.stem
