"""HubSpot: the CSV exports of the companies, contacts and deals index pages (CRM > Companies
/ Contacts / Deals > Export, all properties, associations included), named
`hubspot-crm-exports-<view>-<date>.csv`. The header of each file is the properties' labels
(`Record ID`, `Deal Name`, `Deal Stage`, ...), the associated records' ids are columns
`Associated Company IDs (Primary)`, `Associated Contact IDs`.

Values as the export writes them: pipelines, stages and picklists by their labels (`Sales
Pipeline`, `Appointment Scheduled`), owners by name (`Deal owner`), date-times as
`YYYY-MM-DD HH:MM` without offset in the account's time zone (read as UTC: set the account's
time zone to UTC, or the times shift by its offset; seconds, when present, are read too),
dates `YYYY-MM-DD`, booleans `true`/`false`.

What these three exports do not hold: users (owners are names), leads, the pipelines' stage
lists, the deals' stage history (only one `Date entered "<stage> (<pipeline>)"` column per
stage, no amounts, close dates or owners at each change), activities, products, line items,
quotes and goals.
Property labels: HubSpot's default company, contact and deal properties (`DOCS`).
"""

from __future__ import annotations

import datetime as dt

from ..formats import converter, parse_contract_timestamp
from ..model import Column, Layout, Missing, MissingFile, VendorFile

DOCS = "https://knowledge.hubspot.com/crm-deals/hubspots-default-deal-properties"

_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


def _flag(value: str | None) -> bool | None:
    if value is None:
        return None
    word = value.strip().casefold()
    return True if word in _TRUE else False if word in _FALSE else None


def _local(text: str) -> dt.datetime | None:
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return None


@converter("hubspot_datetime")
class HubspotDatetime:
    """HubSpot's export date-time `2026-11-20 14:03` (also with seconds), read as UTC <->
    the contract's ISO 8601 with offset (written with seconds, so nothing is lost)."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        stamp = _local(value)
        return value if stamp is None else stamp.isoformat(timespec="seconds")

    @staticmethod
    def to_vendor(value: str):
        stamp = parse_contract_timestamp(value)
        if stamp is None:
            return value
        return stamp.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


@converter("hubspot_date")
class HubspotDate:
    """A date property as exported (`2026-11-20`, or with a time `2026-11-20 00:00`) <-> the
    contract's date."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        head = value.strip().replace("T", " ").split(" ", 1)[0]
        try:
            dt.date.fromisoformat(head)
        except ValueError:
            return value
        return head if len(head) == 10 else value

    @staticmethod
    def to_vendor(value: str):
        return value


@converter("hubspot_status", arity=2)
class HubspotStatus:
    """A deal's (`Is Deal Closed?`, `Is Closed Won`) <-> the contract's open|won|lost."""

    @staticmethod
    def to_contract(is_closed: str | None, is_won: str | None) -> str | None:
        if is_closed is None and is_won is None:
            return None
        closed, won = _flag(is_closed), _flag(is_won)
        if closed is None:
            return is_closed
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


@converter("hubspot_closed_at", arity=2)
class HubspotClosedAt:
    """A deal's (`Is Deal Closed?`, `Date entered current stage`) <-> the contract's
    `closed_at`: a closed deal entered its closed stage when it closed (its latest close);
    an open deal has no close. (`Date entered current stage` comes with the Professional
    editions; without it a closed deal's `closed_at` is empty.)"""

    @staticmethod
    def to_contract(is_closed: str | None, entered: str | None) -> str | None:
        if entered is None or _flag(is_closed) is False:
            return None
        return HubspotDatetime.to_contract(entered)

    @staticmethod
    def to_vendor(closed_at: str | None, row):
        status = row.get("status") or ""
        is_closed = "true" if status in ("won", "lost") else "false" if status == "open" else None
        return (is_closed, None if closed_at is None else HubspotDatetime.to_vendor(closed_at))


# The deals' Original Traffic Source (hs_analytics_source) labels.
_SOURCE = {
    "organic search": "organic",
    "organic social": "organic",
    "direct traffic": "organic",
    "paid search": "paid_ads",
    "paid social": "paid_ads",
    "email marketing": "email_campaign",
    "referrals": "referral",
}
_SOURCE_OUT = {
    "organic": "Organic Search",
    "paid_ads": "Paid Search",
    "email_campaign": "Email Marketing",
    "referral": "Referrals",
}


@converter("hubspot_source")
class HubspotSource:
    """`Original Traffic Source` (Organic Search, Paid Search, Email Marketing, Organic
    Social, Paid Social, Referrals, Direct Traffic, ...) <-> the contract's lead sources;
    HubSpot has no event, outbound or partner source (Offline Sources, Other Campaigns pass
    through: the audit keeps them as `other`, flagged)."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        return _SOURCE.get(value.strip().casefold(), value)

    @staticmethod
    def to_vendor(value: str):
        return _SOURCE_OUT.get(value, value)


# Buying Role (hs_buying_role) options that have a contract role.
BUYING_ROLES = {
    "Decision Maker": "decision_maker",
    "Champion": "champion",
    "Influencer": "influencer",
    "End User": "user",
    "Other": "other",
}

_TIME = "hubspot_datetime"

# What the exports' gaps leave empty or different in the marts (model.py: "mart" empty or
# different, "mart.column" NULL in every row), from the marts' SQL and lineage.
_USER_MARTS = (
    "dim_rep",
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
_LEAD_MARTS = (
    "fct_lead_funnel",
    "fct_goal_attainment",
    "rpt_campaign_performance",
    "rpt_conversion_by_source",
    "rpt_revenue_plan",
    "rpt_revenue_plan_by_stage",
)
_STAGE_MARTS = (
    "dim_stage",
    "fct_deal_forecast",
    "fct_deal_line_items",
    "fct_deal_stage_reached",
    "fct_deals",
    "fct_goal_attainment",
    "fct_lead_funnel",
    "fct_pipeline_snapshot",
    "fct_quotes",
    "fct_stage_durations",
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
_HISTORY_MARTS = (
    "fct_deal_forecast",
    "fct_deal_line_items",
    "fct_deal_stage_reached",
    "fct_deals",
    "fct_goal_attainment",
    "fct_lead_funnel",
    "fct_pipeline_snapshot",
    "fct_quotes",
    "fct_stage_durations",
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
_ACTIVITY_MARTS = (
    "fct_activities",
    "dim_account",
    "fct_deals",
    "fct_goal_attainment",
    "fct_lead_funnel",
    "rpt_rep_scorecard",
)
_PRODUCT_MARTS = (
    "dim_product",
    "fct_customer_profitability",
    "fct_deal_line_items",
    "fct_invoice_lines",
    "rpt_product_profitability",
    "rpt_revenue_forecast_by_product",
)
_LINE_ITEM_MARTS = ("fct_deal_line_items", "rpt_revenue_forecast_by_product")
_QUOTE_MARTS = ("fct_quotes", "fct_deals")
_GOAL_MARTS = (
    "dim_goal",
    "fct_goal_attainment",
    "rpt_rep_scorecard",
    "rpt_revenue_plan",
    "rpt_revenue_plan_by_stage",
)

LAYOUT = Layout(
    vendor="hubspot",
    domain="crm",
    title="HubSpot CSV exports of companies, contacts and deals (property labels)",
    docs_url=DOCS,
    files=(
        VendorFile(
            name="hubspot-crm-exports-*companies*.csv",
            format="csv",
            signature=("Record ID", "Company name", "Company Domain Name", "Create Date"),
            target="crm/accounts.csv",
            columns={
                "account_id": Column("Record ID"),
                "name": Column("Company name"),
                "domain": Column("Company Domain Name"),
                "industry": Column("Industry"),
                "segment": Missing(
                    "HubSpot companies have no segment (smb, mid-market, enterprise) "
                    "property; accounts add their own",
                    affects=(
                        "dim_account.segment",
                        "fct_deal_forecast",
                        "rpt_revenue_forecast",
                        "rpt_revenue_forecast_by_product",
                    ),
                ),
                # free text as entered (`Italy`), not always an ISO 3166 code
                "country": Column("Country/Region"),
                "owner_id": Column("Company owner"),
                "created_at": Column("Create Date", format=_TIME),
                "status": Missing(
                    "HubSpot companies have no active/inactive status",
                    affects=("dim_account", "rpt_account_stage_reach"),
                ),
                "inactive_since": Missing(
                    "no company status, so no date it changed",
                    affects=("dim_account.inactive_since",),
                ),
                "inactive_reason": Missing(
                    "no company status, so no reason for it",
                    affects=("dim_account.inactive_reason",),
                ),
                "updated_at": Column("Last Modified Date", format=_TIME),
            },
        ),
        VendorFile(
            name="hubspot-crm-exports-*contacts*.csv",
            format="csv",
            signature=("Record ID", "First Name", "Last Name", "Email", "Create Date"),
            target="crm/contacts.csv",
            columns={
                "contact_id": Column("Record ID"),
                "account_id": Column("Associated Company IDs (Primary)"),
                "first_name": Column("First Name"),
                "last_name": Column("Last Name"),
                "email": Column("Email"),
                "phone": Column("Phone Number"),
                "job_title": Column("Job Title"),
                "buying_role": Column("Buying Role", values=BUYING_ROLES),
                "created_at": Column("Create Date", format=_TIME),
                "updated_at": Column("Last Modified Date", format=_TIME),
            },
        ),
        VendorFile(
            name="hubspot-crm-exports-*deals*.csv",
            format="csv",
            signature=("Record ID", "Deal Name", "Deal Stage", "Pipeline", "Create Date"),
            target="crm/deals.csv",
            columns={
                "deal_id": Column("Record ID"),
                "name": Column("Deal Name"),
                "account_id": Column("Associated Company IDs (Primary)"),
                # the deal's contacts, `;`-separated when it has several
                "contact_id": Column("Associated Contact IDs"),
                "lead_id": Missing(
                    "a HubSpot deal names no lead (prospects are contacts)",
                    affects=("fct_deals",),
                ),
                "pipeline_id": Column("Pipeline"),
                "stage_id": Column("Deal Stage"),
                "owner_id": Column("Deal owner"),
                "amount": Column("Amount"),
                "currency": Column("Currency"),
                # New Business, Existing Business; `Renewal`-like values are folded
                "deal_type": Column("Deal Type", values={"New Business": "new_business"}),
                "source": Column("Original Traffic Source", format="hubspot_source"),
                "created_at": Column("Create Date", format=_TIME),
                "expected_close_date": Column("Close Date", format="hubspot_date"),
                "closed_at": Column(
                    ("Is Deal Closed?", "Date entered current stage"),
                    format="hubspot_closed_at",
                ),
                "status": Column(("Is Deal Closed?", "Is Closed Won"), format="hubspot_status"),
                "lost_reason": Column("Closed Lost Reason"),
                "updated_at": Column("Last Modified Date", format=_TIME),
            },
        ),
    ),
    missing=(
        MissingFile(
            "crm/users.csv",
            "the record exports name owners (Deal owner, Company owner) by name; HubSpot's "
            "users are not in them; supply crm/users.csv in the neutral layout, user_id = "
            "the owner's name as the exports write it",
            _USER_MARTS,
        ),
        MissingFile(
            "crm/leads.csv",
            "HubSpot keeps prospects as contacts (Lifecycle Stage, Lead Status); the three "
            "exports hold no lead records with their conversion",
            _LEAD_MARTS,
        ),
        MissingFile(
            "crm/pipeline_stages.csv",
            "pipelines and their stages are settings, not in the record exports (deals carry "
            "the labels of their pipeline and stage); supply crm/pipeline_stages.csv in the "
            "neutral layout, pipeline_id and stage_id = the labels as the deals export "
            "writes them",
            _STAGE_MARTS,
        ),
        MissingFile(
            "crm/deal_history.csv",
            "the deals export holds only one 'Date entered <stage>' column per stage of each "
            "pipeline: no amount, close date or owner at each change, and columns named after "
            "the account's own stages, which a declared layout cannot read",
            _HISTORY_MARTS,
        ),
        MissingFile(
            "crm/activities.csv",
            "calls, meetings, e-mails and tasks are not in the companies, contacts and deals "
            "exports",
            _ACTIVITY_MARTS,
        ),
        MissingFile(
            "crm/products.csv",
            "the product library is not in the companies, contacts and deals exports",
            _PRODUCT_MARTS,
        ),
        MissingFile(
            "crm/deal_line_items.csv",
            "line items are not in the companies, contacts and deals exports",
            _LINE_ITEM_MARTS,
        ),
        MissingFile(
            "crm/quotes.csv",
            "quotes are not in the companies, contacts and deals exports",
            _QUOTE_MARTS,
        ),
        MissingFile(
            "crm/goals.csv",
            "HubSpot goals have no export; supply crm/goals.csv in the neutral layout",
            _GOAL_MARTS,
        ),
        MissingFile(
            "crm/goal_assignments.csv",
            "HubSpot goals have no export, nor their assignments; supply "
            "crm/goal_assignments.csv in the neutral layout",
            _GOAL_MARTS,
        ),
    ),
)
