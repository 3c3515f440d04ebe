"""Great Expectations on the raw records of a batch (pandas frames built through Arrow).

`great_expectations` takes seconds to import: it is imported here, inside the function,
so that loading the Dagster code location does not pay for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from expectations import Suite

log = logging.getLogger("crmwh")


@dataclass
class GxRuleResult:
    rule: str
    expectation: str
    success: bool
    unexpected_count: int | None
    element_count: int | None
    error: str | None = None


def validate(suite: Suite, frame, context=None) -> list[GxRuleResult]:
    """Validate `frame` (the raw records of one file) against the GX expectations of
    `suite`; one result per rule that has a GX expectation. An engine error is returned
    as a result with `error` set (GX reports it as success=False with exception_info)."""
    import great_expectations as gx

    context = context or new_context()
    name = suite.name
    source = context.data_sources.add_or_update_pandas(f"raw_{name}")
    asset = source.add_dataframe_asset(name)
    batch = asset.add_batch_definition_whole_dataframe("audited batches")
    gx_suite = gx.ExpectationSuite(name=name)
    for rule in suite.rules:
        if rule.gx is None:
            continue
        cls_name, kwargs = rule.gx
        expectation = getattr(gx.expectations, cls_name)(
            **kwargs,
            meta={"rule": rule.name, "severity": sorted(rule.severities)[0]},
            description=rule.description or None,
        )
        gx_suite.add_expectation(expectation)
    gx_suite = context.suites.add_or_update(gx_suite)
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=batch, suite=gx_suite)
    )
    result = definition.run(batch_parameters={"dataframe": frame}, result_format="BASIC")
    out = []
    for r in result.results:
        config = r.expectation_config
        info = r.exception_info or {}
        raised = info.get("raised_exception") if isinstance(info, dict) else None
        if raised is None and isinstance(info, dict):  # keyed by expectation id in some versions
            raised = any(isinstance(v, dict) and v.get("raised_exception") for v in info.values())
        error = None
        if raised:
            error = str(info.get("exception_message") or info)[:500]
        res = r.result or {}
        out.append(
            GxRuleResult(
                rule=config.meta["rule"],
                expectation=config.type,
                success=bool(r.success),
                unexpected_count=res.get("unexpected_count"),
                element_count=res.get("element_count"),
                error=error,
            )
        )
    return out


def new_context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context
