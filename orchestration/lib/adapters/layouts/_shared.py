"""What several vendor layouts share, declared once: converters of notations more than one
vendor writes, the gaps every CRM layout has in common, and the marts each missing CRM file
leaves empty or degraded. A helper module, not a layout: its name starts with `_`, so the
registry (`adapters.all_layouts`) takes no vendor from it; the layouts that import it
register its converters.

The mart tuples say what a gap leaves empty or different (model.py: "mart" empty or
different, "mart.column" NULL in every row), from the marts' SQL and lineage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from .. import formats
from ..formats import converter, parse_contract_timestamp, register_converter
from ..model import Missing, MissingFile

# --- converters -------------------------------------------------------------------------

_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


def flag(value: str | None) -> bool | None:
    """A checkbox as a CRM export writes it (`true`/`false`, `yes`/`no`, `1`/`0`); None when
    empty or unreadable."""
    if value is None:
        return None
    word = value.strip().casefold()
    return True if word in _TRUE else False if word in _FALSE else None


def closed_word(row) -> str | None:
    """A deal's closed checkbox as the exports write it, from the contract's status."""
    status = row.get("status") or ""
    return "true" if status in ("won", "lost") else "false" if status == "open" else None


def lookup(name: str, read: Mapping[str, str], write: Mapping[str, str], doc: str) -> None:
    """Register converter `name`: the vendor's word -> `read`'s contract value (compared
    ignoring case and surrounding spaces: several words may read as one), the contract value
    -> `write`'s vendor word; a value the maps do not know passes through unchanged (the
    audit rejects or flags it)."""

    def to_contract(value: str) -> str | None:
        return read.get(value.strip().casefold(), value)

    def to_vendor(value: str):
        return write.get(value, value)

    register_converter(name, to_contract, to_vendor, doc=doc)


def utc_text(value: str, pattern: str):
    """A contract timestamp written in UTC with `pattern` (strftime); unchanged when it is not
    one."""
    stamp = parse_contract_timestamp(value)
    return value if stamp is None else stamp.astimezone(dt.UTC).strftime(pattern)


def naive_local(text: str) -> dt.datetime | None:
    """`2026-11-20 14:03:05` or `2026-11-20 14:03` (no offset) read in the landing's time
    zone (`formats.local_zone()`, UTC by default), as UTC; None otherwise."""
    return formats.naive_local(text, ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"))


@converter("local_datetime")
class LocalDatetime:
    """A CRM export's date-time without offset `2026-11-20 14:03:05` (also without seconds),
    in the landing's time zone (crmwh-layouts.toml `timezone`, UTC by default) <-> the
    contract's ISO 8601 in UTC (written with seconds, so nothing is lost)."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        stamp = naive_local(value)
        return value if stamp is None else stamp.isoformat(timespec="seconds")

    @staticmethod
    def to_vendor(value: str):
        return formats.local_text(value, "%Y-%m-%d %H:%M:%S")


@converter("closed_won_status", arity=2)
class ClosedWonStatus:
    """A deal's (closed, won) checkboxes (Salesforce `IsClosed`, `IsWon`; HubSpot `Is Deal
    Closed?`, `Is Closed Won`) <-> the contract's open|won|lost."""

    @staticmethod
    def to_contract(is_closed: str | None, is_won: str | None) -> str | None:
        if is_closed is None and is_won is None:
            return None
        closed, won = flag(is_closed), flag(is_won)
        if closed is None:
            return is_closed  # unreadable: the audit rejects it, naming the record
        if not closed:
            return "open"
        if won is None:
            return is_won
        return "won" if won else "lost"

    @staticmethod
    def to_vendor(status: str | None):
        return {
            "open": ("false", "false"),
            "won": ("true", "true"),
            "lost": ("true", "false"),
        }.get(status or "", (status, None))


def closed_at(
    name: str,
    read_time: Callable[[str], str | None],
    write_time: Callable[[str], object],
    doc: str,
) -> None:
    """Register converter `name`: a deal's (closed checkbox, time it entered its current
    stage) <-> the contract's `closed_at`: a closed deal entered its closed stage when it
    closed (its latest close); an open one has no close. `read_time`/`write_time`: the
    vendor's notation of the time."""

    def to_contract(is_closed: str | None, entered: str | None) -> str | None:
        if entered is None or flag(is_closed) is False:
            return None
        return read_time(entered)

    def to_vendor(closed: str | None, row):
        return (closed_word(row), None if closed is None else write_time(closed))

    register_converter(name, to_contract, to_vendor, arity=2, doc=doc)


@converter("website_domain")
class WebsiteDomain:
    """An account's website (`https://www.acme.it/`, `www.acme.it`) <-> the contract's
    `domain` (`acme.it`)."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        text = value.strip()
        lowered = text.casefold()
        for scheme in ("https://", "http://"):
            if lowered.startswith(scheme):
                text, lowered = text[len(scheme) :], lowered[len(scheme) :]
        if lowered.startswith("www."):
            text = text[4:]
        return text.split("/", 1)[0] or value

    @staticmethod
    def to_vendor(value: str):
        return f"https://{value}"


# Marketing channels as HubSpot's Original Traffic Source and Pipedrive's Source channel name
# them (lowercased).
TRAFFIC_SOURCES = {
    "organic search": "organic",
    "organic social": "organic",
    "direct traffic": "organic",
    "paid search": "paid_ads",
    "paid social": "paid_ads",
    "email marketing": "email_campaign",
}

# --- the marts a gap affects ------------------------------------------------------------

# what reads the deals with their owners, stages and history
DEAL_MARTS = (
    "fct_deal_forecast",
    "fct_deal_line_items",
    "fct_deal_stage_reached",
    "fct_deals",
    "fct_goal_attainment",
    "fct_lead_funnel",
    "fct_pipeline_snapshot",
    "fct_quotes",
    "rpt_account_stage_reach",
    "rpt_campaign_performance",
    "rpt_conversion_by_source",
    "rpt_forecast_accuracy",
    "rpt_lost_reasons",
    "rpt_rep_scorecard",
    "rpt_revenue_forecast",
    "rpt_revenue_forecast_by_product",
    "rpt_revenue_plan",
    "rpt_revenue_plan_by_stage",
    "rpt_stage_conversion",
)
USER_MARTS = ("dim_rep", *DEAL_MARTS)
STAGE_MARTS = ("dim_stage", "fct_stage_durations", *DEAL_MARTS)
HISTORY_MARTS = ("fct_stage_durations", *DEAL_MARTS)
# how the marts degrade without any deal-history row (a CRM layout without crm/deal_history.csv)
WITHOUT_HISTORY = (
    "; without it fct_pipeline_snapshot, fct_stage_durations and rpt_forecast_accuracy are "
    "empty, a deal reaches only its won stage (fct_deal_stage_reached without reached_at, "
    "rpt_stage_conversion, rpt_account_stage_reach), and fct_deals has no first amount and a "
    "closed deal's owner at close is 'unknown'"
)
LEAD_MARTS = (
    "fct_lead_funnel",
    "fct_goal_attainment",
    "rpt_campaign_performance",
    "rpt_conversion_by_source",
    "rpt_revenue_plan",
    "rpt_revenue_plan_by_stage",
)
ACTIVITY_MARTS = (
    "fct_activities",
    "dim_account",
    "fct_deals",
    "fct_goal_attainment",
    "fct_lead_funnel",
    "rpt_rep_scorecard",
)
PRODUCT_MARTS = (
    "dim_product",
    "fct_customer_profitability",
    "fct_deal_line_items",
    "fct_invoice_lines",
    "rpt_product_profitability",
    "rpt_revenue_forecast_by_product",
)
LINE_ITEM_MARTS = ("fct_deal_line_items", "rpt_revenue_forecast_by_product")
QUOTE_MARTS = ("fct_quotes", "fct_deals")
GOAL_MARTS = (
    "dim_goal",
    "fct_goal_attainment",
    "rpt_rep_scorecard",
    "rpt_revenue_plan",
    "rpt_revenue_plan_by_stage",
)

# --- gaps several CRM layouts share -----------------------------------------------------


def account_gaps(records: str, record: str, field: str, owners: str) -> dict[str, Missing]:
    """The account columns no CRM's export holds: segment and the active/inactive status.
    `records`: the vendor's accounts (`HubSpot companies`); `record`: one of them
    (`company`); `field`: what the vendor calls a field; `owners`: who adds their own."""
    return {
        "segment": Missing(
            f"{records} have no segment (smb, mid-market, enterprise) {field}; {owners} add "
            "their own",
            affects=(
                "dim_account.segment",
                "fct_deal_forecast",
                "rpt_revenue_forecast",
                "rpt_revenue_forecast_by_product",
            ),
        ),
        "status": Missing(
            f"{records} have no active/inactive status",
            affects=("dim_account", "rpt_account_stage_reach"),
        ),
        "inactive_since": Missing(
            f"no {record} status, so no date it changed",
            affects=("dim_account.inactive_since",),
        ),
        "inactive_reason": Missing(
            f"no {record} status, so no reason for it",
            affects=("dim_account.inactive_reason",),
        ),
    }


def supplied(target: str, reason: str, affects: tuple[str, ...]) -> MissingFile:
    """A contract file the vendor's exports lack and the warehouse needs: the user supplies
    it in the neutral layout beside the vendor's files (the generator writes it so)."""
    return MissingFile(target, reason, affects, supply=True)


def goal_files(goals: str, assignments: str) -> tuple[MissingFile, MissingFile]:
    """crm/goals.csv and crm/goal_assignments.csv, which no CRM export holds, supplied in the
    neutral layout; `goals`, `assignments`: why the vendor's exports lack them."""
    return (
        supplied("crm/goals.csv", goals, GOAL_MARTS),
        supplied("crm/goal_assignments.csv", assignments, GOAL_MARTS),
    )
