"""Issue 14, done when: for each vendor, a generated company in its layout refreshes end to
end, and its marts equal those of the same company in the neutral layout, except what the
vendor's layout declares it cannot provide (slow: real refreshes through Dagster and dbt).

What may differ is derived from the Layout data only (orchestration/lib/adapters/model.py):
- `affects` of a `Missing` field or a `MissingFile` (not one the user supplies in the
  neutral layout, `supply`, which the generator writes): `"mart"` must be empty or differ from
  the neutral mart (a declared gap must show), `"mart.column"` must be NULL in every row
  (the rest of the mart compared as any other); each declaration is checked, none is merely
  skipped;
- a contract column a `derived` converter makes up (an id the vendor has not, e.g. Mailchimp's
  event ids): mart columns of that name are left out of the comparison.

One refresh per group of layouts that can share a landing (one vendor per domain), plus the
neutral reference, all of the same small clean company (module-scoped). HubSpot and Pipedrive
are refreshed alone (the CRM gaps shown without the other domains' gaps blurring them), HubSpot
with its local times written in Europe/Berlin and read back through the landing's
crmwh-layouts.toml `timezone`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.adapters import all_layouts, formats
from orchestration.lib.adapters.model import Column, Layout, Missing
from orchestration.lib.adapters.writing import write_layouts_in_zone
from synthetic_exports import generate
from tests.support import refresh
from tests.test_incremental_equivalence import _columns as _marts  # the marts' columns

pytestmark = pytest.mark.slow

SMALL = {"seed": 7, "days": 120, "batches": 2, "scale": 0.2}
# Groups of layouts refreshed together (one vendor per domain).
GROUPS = {
    "stripe+zendesk+mailchimp": ("stripe", "zendesk", "mailchimp"),
    "salesforce+stripe+zendesk+mailchimp": ("salesforce", "stripe", "zendesk", "mailchimp"),
    "hubspot": ("hubspot",),
    "pipedrive": ("pipedrive",),
}
# the time zone a group's vendor times without offset are written and read in (default UTC)
TIMEZONES = {"hubspot": "Europe/Berlin"}
NOT_DATA = {"fct_pipeline_snapshot": {"loaded_through_at"}}  # when the load ran
SHOWN = 3


@dataclass
class Expected:
    """What the layouts of a group declare about the marts."""

    null: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # mart -> col -> why
    degraded: dict[str, list[str]] = field(default_factory=dict)  # mart -> why (or empty)
    derived: set[str] = field(default_factory=set)  # contract columns made up


def expected(layouts: list[Layout]) -> Expected:
    out = Expected()
    for lay in layouts:
        # a file the user supplies in the neutral layout (`supply`) is there: no gap
        gaps = [
            (m.affects, f"{lay.vendor} {m.target}: {m.reason}") for m in lay.missing if not m.supply
        ]
        for vf in lay.files:
            for column, fld in vf.columns.items():
                if isinstance(fld, Missing):
                    gaps.append((fld.affects, f"{lay.vendor} {vf.target} {column}: {fld.reason}"))
                elif (
                    isinstance(fld, Column)
                    and fld.format
                    and formats.get_converter(fld.format).derived
                ):
                    out.derived.add(column)
        for affects, why in gaps:
            for item in affects:
                if "." in item:
                    mart, column = item.split(".", 1)
                    out.null.setdefault(mart, {}).setdefault(column, []).append(why)
                else:
                    out.degraded.setdefault(item, []).append(why)
    return out


def _refreshed(root: Path, layouts: tuple[str, ...], timezone: str | None = None) -> Path:
    landing, warehouse = root / "landing", root / "crm.duckdb"
    if timezone is None:
        generate(landing, layouts=layouts, **SMALL)
    else:  # the generator's vendor files, their times without offset in `timezone`
        generate(landing, **SMALL)
        write_layouts_in_zone(landing, layouts, timezone)
    result = refresh(landing, warehouse)
    assert result.success, f"the refresh of layouts {layouts or 'neutral'} failed: {result}"
    assert result.batches_refused == [] and len(result.batches_loaded) == SMALL["batches"], (
        f"layouts {layouts or 'neutral'}: {result.describe()}"
    )
    return warehouse


@pytest.fixture(scope="module")
def neutral(tmp_path_factory) -> Path:
    return _refreshed(tmp_path_factory.mktemp("neutral"), ())


def compare(vendor: Path, neutral: Path, exp: Expected) -> list[str]:
    """Every way the vendor warehouse's marts break what the layouts declare, one line each."""
    con = duckdb.connect(str(vendor), read_only=True)
    problems: list[str] = []
    try:
        con.execute(f"attach '{neutral}' as neutral (read_only)")
        (here,) = con.execute("select current_database()").fetchone()
        ours, theirs = _marts(con, here), _marts(con, "neutral")
        if ours != theirs:
            return [f"the marts or their columns differ: {sorted(set(ours) ^ set(theirs))}"]
        declared = set(exp.null) | set(exp.degraded)
        if unknown := declared - set(ours):
            problems.append(f"layouts declare marts that do not exist: {sorted(unknown)}")
        for mart, columns in sorted(ours.items()):
            names = [c for c, _ in columns]
            count = f"select count(*) from {{}}.marts.{mart}"
            (n_neutral,) = con.execute(count.format("neutral")).fetchone()
            (n_vendor,) = con.execute(count.format(here)).fetchone()
            nulls = exp.null.get(mart, {})
            for column in nulls:
                if column not in names:
                    problems.append(f"{mart}.{column}: declared NULL, no such column")
                    continue
                q = f'select count("{column}") from {{}}.marts.{mart}'
                if con.execute(q.format(here)).fetchone()[0]:
                    problems.append(f"{mart}.{column}: declared NULL ({nulls[column]}), has values")
                if not con.execute(q.format("neutral")).fetchone()[0]:
                    problems.append(f"{mart}.{column}: declared NULL, NULL in the neutral too")
            kept = [
                (c, t)
                for c, t in columns
                if c not in nulls and c not in exp.derived and c not in NOT_DATA.get(mart, ())
            ]
            select = ", ".join(
                f'round("{c}", 6) as "{c}"' if t in ("DOUBLE", "FLOAT") else f'"{c}"'
                for c, t in kept
            )
            v, n = (
                f"select {select} from {here}.marts.{mart}",
                f"select {select} from neutral.marts.{mart}",
            )
            digest = "select count(*), sum(hash(t)::hugeint) from ({}) as t"
            same = (
                con.execute(digest.format(v)).fetchone() == con.execute(digest.format(n)).fetchone()
            )
            if mart in exp.degraded:
                if same and n_vendor:
                    problems.append(
                        f"{mart}: declared empty or degraded ({exp.degraded[mart]}), but equal "
                        "to the neutral layout's"
                    )
                continue
            if not same:
                only = "select * from ({} except all {}) order by all limit " + str(SHOWN)
                problems.append(
                    f"{mart}: {n_vendor} rows vs {n_neutral} in the neutral layout; rows of "
                    f"({', '.join(c for c, _ in kept)}) only in the vendor layout: "
                    f"{con.execute(only.format(v, n)).fetchall()}; only in the neutral: "
                    f"{con.execute(only.format(n, v)).fetchall()}"
                )
        return problems
    finally:
        con.close()


@pytest.mark.parametrize("group", list(GROUPS))
def test_a_company_in_vendor_layouts_has_the_neutral_marts_except_what_they_declare(
    group, neutral, tmp_path
):
    available = all_layouts()
    vendors = GROUPS[group]
    warehouse = _refreshed(tmp_path, vendors, TIMEZONES.get(group))
    exp = expected([available[v] for v in vendors])
    problems = compare(warehouse, neutral, exp)
    assert problems == [], f"layouts {vendors}:\n" + "\n".join(problems)
