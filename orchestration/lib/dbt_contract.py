"""The dbt project's copy of the export contract, generated: never edited by hand.

Two homes, one copy each in the dbt project:

- `orchestration/lib/contract.py` (the export files, their columns, keys, kind and
  updated_at) -> one sources file per system,
  `dbt_project/models/staging/<system>/_<system>__sources.yml`: source `<system>` (schema
  `raw`), one table per export file named by its entity (`deals`, identifier
  `crm__deals`), with `meta.dagster.asset_key` (the key of the ingestion asset that writes
  the table, `raw/crm__deals`) and `meta.contract` (`file`, `kind`, `key`, `updated_at`),
  which the base models read (macro `base_model`, macros/resolution.sql), and the same
  contracts as a macro, `dbt_project/macros/generated/contract_sources.sql`, for where dbt
  gives macros no `graph` (parsing, unit tests);
- `expectations/patterns.py` (the value formats and the category fold) ->
  `dbt_project/macros/generated/contract_formats.sql`: `contract_format(name)`,
  `contract_bigint_digits()` and `contract_fold_ignored()`, which the parsers
  (macros/parsing.sql) and the category macros (macros/categories.sql, flags.sql) use.

    python -m orchestration.lib.dbt_contract --write   # rewrite the generated files
    python -m orchestration.lib.dbt_contract --check   # exit 1, naming the stale files

tests/test_dbt_contract.py fails when a committed file differs from what this module
generates.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from expectations import patterns

from .contract import FILES, ExportFile

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
FORMATS_MACRO = Path("macros") / "generated" / "contract_formats.sql"

WRITE_COMMAND = "python -m orchestration.lib.dbt_contract --write"

# What each source system exports (documentation of the sources).
SYSTEMS: dict[str, str] = {
    "crm": "The CRM export (users, accounts, contacts, leads, pipeline, deals, activities, "
    "products, quotes, goals).",
    "email": "The e-mail marketing export (campaigns, list members, events).",
    "payments": "The payment processor export (customers, invoices, invoice lines, charges, "
    "refunds); money in integer minor units, currency lower-case, timestamps "
    "`YYYY-MM-DD HH:MM:SS` UTC.",
    "support": "The support desk export (tickets as JSONL, calls).",
    "reference": "Reference data: ECB-convention exchange rates (units of currency per 1 EUR).",
}

RAW_LAYER = (
    "Tables of the raw layer written by the ingestion: one table per export file, every "
    "contract column as VARCHAR exactly as exported (empty = NULL), every record of every "
    "loaded batch (duplicates and quarantined records included), plus the lineage columns "
    "_batch_date, _source_file and _record_number. Read only by the base models "
    "(models/staging/<system>/base/), which apply the audit's quarantine and the "
    "snapshot/delta semantics."
)

# The formats staging parses with: macro name -> the constant of expectations/patterns.py.
# Staging trims a value before matching it, so the patterns lose their surrounding ` *`.
FORMATS: dict[str, str] = {
    "iso_timestamp": "ISO_TIMESTAMP",
    "payments_timestamp": "PAYMENTS_TIMESTAMP",
    "plain_date": "PLAIN_DATE",
    "epoch_seconds": "EPOCH_SECONDS",
    "decimal": "DECIMAL",
    "integer": "INTEGER",
    "last4": "LAST4",
    "email_address": "EMAIL_ADDRESS",
}


def _header(comment: str, source: str) -> list[str]:
    return [
        f"{comment} GENERATED from {source} by `{WRITE_COMMAND}`:",
        f"{comment} do not edit by hand, edit {source} and run it again.",
        f"{comment} tests/test_dbt_contract.py fails when this file is out of date.",
    ]


# -- sources ----------------------------------------------------------------------------------


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _flow_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(values) + "]"


def _table(spec: ExportFile) -> list[str]:
    keys = ", ".join(spec.key)
    lines = [
        f"      - name: {spec.entity}",
        f"        identifier: {spec.table}",
        "        description: >",
        f"          {spec.source} export `{spec.path}` ({spec.kind}; key {keys}). "
        + SYSTEMS[spec.source],
        "        meta:",
        "          dagster:",
        f"            asset_key: {_flow_list(('raw', spec.table))}",
        "          contract:",
        f"            file: {spec.path}",
        f"            kind: {spec.kind}",
        f"            key: {_flow_list(spec.key)}",
        f"            updated_at: {spec.updated_at or 'null'}",
        "        columns:",
    ]
    for column in spec.columns:
        lines += [
            f"          - name: {column}",
            "            description: "
            + _quoted(f"Contract column `{column}` as exported (text)."),
        ]
    lineage = {
        "_batch_date": "Export date of the batch folder the record came from.",
        "_source_file": f"Export file path inside the batch, e.g. `{spec.path}`.",
        "_record_number": "1-based data record number of the record in its file.",
    }
    for column, description in lineage.items():
        lines += [f"          - name: {column}", f"            description: {_quoted(description)}"]
    return lines


def sources_yaml(system: str) -> str:
    """The sources file of one system: every export file of the contract from it."""
    specs = [f for f in FILES if f.source == system]
    if not specs:
        raise ValueError(f"no export file of system {system!r} in the contract")
    lines = [
        *_header("#", "orchestration/lib/contract.py"),
        "version: 2",
        "",
        "sources:",
        f"  - name: {system}",
        "    schema: raw",
        "    description: >",
        f"      {SYSTEMS[system]} {RAW_LAYER}",
        '    loaded_at_field: "cast(_batch_date as timestamp)"',
        "    config:",
        "      freshness:",
        "        # one batch per export day; weekends and holidays may skip a day",
        "        warn_after: {count: 3, period: day}",
        "        error_after: {count: 7, period: day}",
        "    tables:",
    ]
    for spec in specs:
        lines += _table(spec)
    return "\n".join(lines) + "\n"


def sources_path(system: str) -> Path:
    return Path("models") / "staging" / system / f"_{system}__sources.yml"


# -- formats ----------------------------------------------------------------------------------


def _trimmed(pattern: str) -> str:
    """The pattern without the ` *` around it (staging trims the value first)."""
    if pattern.startswith(" *") and pattern.endswith(" *"):
        pattern = pattern[2:-2]
    if pattern.startswith(" ") or pattern.endswith(" *"):
        raise ValueError(f"untrimmed pattern {pattern!r}")
    return pattern


def _jinja_string(text: str) -> str:
    if "'" in text:
        # the pattern is pasted into a SQL string literal by regex_full_match
        raise ValueError(f"a quote in pattern {text!r}")
    return "'" + text.replace("\\", "\\\\") + "'"


def formats_macro() -> str:
    entries = []
    for name, constant in FORMATS.items():
        pattern = _trimmed(getattr(patterns, constant))
        entries.append(f"        {_jinja_string(name)}: {_jinja_string(pattern)},")
    ignored = ", ".join(_jinja_string(c) for c in patterns.FOLD_IGNORED)
    lines = [
        "{#",
        *_header("   ", "expectations/patterns.py"),
        "",
        "    The contract's value formats (expectations/patterns.py, the audit's patterns),",
        "    without the surrounding ` *` (staging trims a value before matching it): full-match",
        "    regular expressions in the subset common to RE2, Python and Java, for",
        "    regex_full_match(). macros/parsing.sql builds the parsers on them and",
        "    macros/categories.sql the category fold.",
        "#}",
        "",
        "{# The pattern of a contract format, by name; an unknown name is a compilation error. #}",
        "{% macro contract_format(name) -%}",
        "    {%- set formats = {",
        *entries,
        "    } -%}",
        "    {%- if name not in formats -%}",
        '        {{ exceptions.raise_compiler_error("no contract format \'" ~ name ~ "\' '
        '(expectations/patterns.py, orchestration/lib/dbt_contract.py)") }}',
        "    {%- endif -%}",
        "    {{ return(formats[name]) }}",
        "{%- endmacro %}",
        "",
        "",
        "{# The most digits of an integer staging holds in a bigint (patterns.BIGINT_DIGITS). #}",
        "{% macro contract_bigint_digits() -%}",
        f"    {{{{ return({patterns.BIGINT_DIGITS}) }}}}",
        "{%- endmacro %}",
        "",
        "",
        "{# The characters the category fold ignores, besides case (patterns.FOLD_IGNORED). #}",
        "{% macro contract_fold_ignored() -%}",
        f"    {{{{ return([{ignored}]) }}}}",
        "{%- endmacro %}",
    ]
    return "\n".join(lines) + "\n"


# -- the contract for macros -----------------------------------------------------------------

SOURCES_MACRO = Path("macros") / "generated" / "contract_sources.sql"


def _jinja_value(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_jinja_value(v) for v in value) + "]"
    return _jinja_string(str(value))


def sources_macro() -> str:
    entries = []
    for spec in FILES:
        contract = {
            "file": spec.path,
            "kind": spec.kind,
            "key": spec.key,
            "updated_at": spec.updated_at,
            "columns": spec.columns,
        }
        body = ", ".join(f"{_jinja_string(k)}: {_jinja_value(v)}" for k, v in contract.items())
        entries.append(f"        {_jinja_string(f'{spec.source}.{spec.entity}')}: {{{body}}},")
    lines = [
        "{#",
        *_header("   ", "orchestration/lib/contract.py"),
        "",
        "    The contract of every export file, as `meta.contract` of its source table carries",
        "    it (plus its contract columns), by `source_name.table_name`. source_contract()",
        "    (macros/resolution.sql) reads the source's meta through `graph` and checks it",
        "    against this copy; it uses this copy where dbt gives no `graph`: while parsing",
        "    (so that a base model declares the sources it reads) and in unit tests.",
        "#}",
        "{% macro contract_source_tables() -%}",
        "    {{ return({",
        *entries,
        "    }) }}",
        "{%- endmacro %}",
    ]
    return "\n".join(lines) + "\n"


# -- base models ------------------------------------------------------------------------------


def base_model_name(spec: ExportFile) -> str:
    return f"base_{spec.source}__{spec.entity}"


def base_model_path(spec: ExportFile) -> Path:
    return Path("models") / "staging" / spec.source / "base" / f"{base_model_name(spec)}.sql"


def base_model_sql(spec: ExportFile) -> str:
    return (
        f"{{# GENERATED from orchestration/lib/contract.py by `{WRITE_COMMAND}` #}}\n"
        f"{{{{ base_model('{spec.source}', '{spec.entity}') }}}}\n"
    )


def base_models_yaml(system: str) -> str:
    lines = [*_header("#", "orchestration/lib/contract.py"), "version: 2", "", "models:"]
    for spec in (f for f in FILES if f.source == system):
        keys = ", ".join(spec.key)
        if spec.kind == "snapshot":
            winner = (
                "the record of the latest batch that has one, plus is_deleted and deleted_on "
                "(export date of the first present snapshot without the key)"
            )
        elif spec.updated_at:
            winner = f"the record with the greatest {spec.updated_at} (the later batch on a tie)"
        else:
            winner = "the record of the latest batch"
        lines += [
            f"  - name: {base_model_name(spec)}",
            "    description: >",
            f"      One row per {keys} of `{spec.path}` ({spec.kind}): among the records the "
            f"audit loaded (neither quarantined nor a removed identical copy), {winner}. Raw "
            "columns as exported plus the lineage columns; staging types and renames them. "
            "Macro base_model (macros/resolution.sql), contract from the source's "
            "meta.contract.",
            "    data_tests:",
            "      - unique_combination_of_columns:",
            "          arguments:",
            f"            combination_of_columns: {_flow_list(spec.key)}",
        ]
        tests = ["base_model_keeps_every_loaded_key"]
        if spec.kind == "snapshot":
            tests.append("base_model_deletes_keys_absent_from_the_latest_snapshot")
        for test in tests:
            lines += [
                f"      - {test}:",
                "          arguments:",
                f"            source_name: {spec.source}",
                f"            table_name: {spec.entity}",
            ]
    return "\n".join(lines) + "\n"


def base_models_yaml_path(system: str) -> Path:
    return Path("models") / "staging" / system / "base" / f"_{system}__base_models.yml"


# -- the files --------------------------------------------------------------------------------

GENERATED_MARK = "GENERATED from "


def generated_files() -> dict[Path, str]:
    """Path (relative to dbt_project/) -> the content this module generates for it."""
    files = {sources_path(system): sources_yaml(system) for system in SYSTEMS}
    files.update({base_models_yaml_path(system): base_models_yaml(system) for system in SYSTEMS})
    files.update({base_model_path(spec): base_model_sql(spec) for spec in FILES})
    files[FORMATS_MACRO] = formats_macro()
    files[SOURCES_MACRO] = sources_macro()
    return files


def orphaned_files(project_dir: Path = DBT_PROJECT_DIR) -> list[Path]:
    """Generated files that the contract no longer asks for (e.g. the base model of a
    removed export file)."""
    wanted = set(generated_files())
    found = []
    for path in sorted((project_dir / "models" / "staging").glob("*/base/*")):
        relative = path.relative_to(project_dir)
        if relative not in wanted and GENERATED_MARK in path.read_text(encoding="utf-8")[:300]:
            found.append(relative)
    return found


def stale_files(project_dir: Path = DBT_PROJECT_DIR) -> list[Path]:
    """The generated files whose committed content differs, that are missing, or that
    should no longer exist."""
    stale = []
    for path, content in generated_files().items():
        target = project_dir / path
        if not target.is_file() or target.read_text(encoding="utf-8") != content:
            stale.append(path)
    return stale + orphaned_files(project_dir)


def write(project_dir: Path = DBT_PROJECT_DIR) -> list[Path]:
    """Write every stale generated file and delete the orphaned ones; return them."""
    files = generated_files()
    changed = []
    for path in stale_files(project_dir):
        target = project_dir / path
        if path in files:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(files[path], encoding="utf-8")
        else:
            target.unlink()
        changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.lib.dbt_contract",
        description="Generate the dbt project's sources and format macros from the contract.",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="rewrite the generated files")
    action.add_argument("--check", action="store_true", help="exit 1 when a file is stale")
    args = parser.parse_args(argv)
    if args.write:
        for path in write():
            done = "wrote" if (DBT_PROJECT_DIR / path).exists() else "deleted"
            print(f"{done} dbt_project/{path}")
        return 0
    stale = stale_files()
    for path in stale:
        print(f"stale: dbt_project/{path} (run `{WRITE_COMMAND}`)", file=sys.stderr)
    if not stale:
        print(f"{len(generated_files())} generated files of dbt_project/ are up to date")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
