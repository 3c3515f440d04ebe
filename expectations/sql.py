"""SQL generated from the suites: the row-level audit that fills audit.quarantine.

Every query reads one raw table, restricted to the batches of that file being audited (the
temporary table `audit_targets(batch_date, source_file)`), and returns `(batch_date,
record_number, finding)`.
"""

from __future__ import annotations

from orchestration.lib.contract import BY_PATH

from .rules import SetRule, SetRuleKind, Suite


def raw_table(suite: Suite) -> str:
    """The raw table of the suite's file, schema-qualified: `raw.crm__deals`."""
    return f"raw.{BY_PATH[suite.path].table}"


def audited_batches(suite: Suite, alias: str = "r") -> str:
    """The condition that restricts a raw table to the batches audited for its file."""
    return (
        f"{alias}._batch_date in (select batch_date from audit_targets "
        f"where source_file = '{suite.path}')"
    )


def row_findings(suite: Suite) -> str:
    """One scan of the raw table: for each record, every outcome whose condition holds."""
    cases = ",\n            ".join(
        f"case when {o.condition} then '{o.name}' end" for _, o in suite.outcomes()
    )
    return f"""
        select batch_date, record_number, finding
        from (
            select
                r._batch_date as batch_date,
                r._record_number as record_number,
                unnest([
            {cases}
                ]) as finding
            from {raw_table(suite)} as r
            where {audited_batches(suite)}
        )
        where finding is not null
    """


def set_findings(suite: Suite, rule: SetRule, excluded: str) -> str:
    """Records caught by a set rule among those not yet excluded: `excluded` is a table of
    (batch_date, source_file, record_number) already quarantined or removed."""
    columns = ", ".join(f'r."{c}"' for c in suite.columns)
    key = ", ".join(f'r."{c}"' for c in suite.key)
    if rule.kind is SetRuleKind.IDENTICAL_COPIES:
        window = f"partition by r._batch_date, {columns} order by r._record_number"
    elif rule.kind is SetRuleKind.SUPERSEDED_ID:
        # The one definition of the winner among copies of one id in a file: greatest
        # updated_at, then the last copy. The base models (macros/resolution.sql) read what
        # is left after the quarantine and the removed identical copies.
        order = "r._record_number desc"
        if suite.updated_at:
            order = f'try_cast(r."{suite.updated_at}" as timestamptz) desc nulls last, ' + order
        window = f"partition by r._batch_date, {key} order by {order}"
    elif rule.kind is SetRuleKind.FIRST_OF_PAIR:
        partition = ", ".join(f"r.{p}" if p.startswith('"') else p for p in rule.partition)
        order = ", ".join(rule.order)
        window = f"partition by r._batch_date, {partition} order by {order}"
    else:  # pragma: no cover
        raise ValueError(rule.kind)
    return f"""
        select batch_date, record_number, '{rule.name}' as finding
        from (
            select
                r._batch_date as batch_date,
                r._record_number as record_number,
                row_number() over ({window}) as copy_number
            from {raw_table(suite)} as r
            where {audited_batches(suite)}
                and not exists (
                    select 1 from {excluded} as x
                    where x.source_file = '{suite.path}'
                        and x.batch_date = r._batch_date
                        and x.record_number = r._record_number
                )
        )
        where copy_number > 1
    """


def record_json(suite: Suite, alias: str = "r") -> str:
    """The raw record as JSON text (contract columns, in contract order)."""
    fields = ", ".join(f"'{c}', {alias}.\"{c}\"" for c in suite.columns)
    return f"cast(json_object({fields}) as varchar)"
