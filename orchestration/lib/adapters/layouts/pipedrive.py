"""Pipedrive: the CSV exports of organizations, people, deals and activities (a list view >
... > Export filter results, CSV). The header of each file is `<Entity> - <field name>` as
Pipedrive names its fields (`Deal - Title`, `Deal - Stage`, `Person - Email - Work`); the
related records' ids are columns of their own (`Deal - Organization ID`, `Deal - Contact
person ID`; in the activities export the related deal's, person's and organization's `ID`
fields, `Deal - ID`, `Person - ID`, `Organization - ID`).

Values as the export writes them: pipelines, stages, activity types and statuses by name
(`Qualified`, `Won`), owners and assignees by name, date-times `YYYY-MM-DD HH:MM:SS` without
offset (read as UTC: Pipedrive keeps UTC; an export in a user's own time zone shifts by its
offset), dates `YYYY-MM-DD`, an activity's due time `HH:MM` and duration `HH:MM`.

Not in these four exports: users (owners are names), leads, the pipelines' stage lists,
the deals' stage history, products, line items, quotes, goals.
Field names: Pipedrive's export help and API field reference (`DOCS`).
"""

from __future__ import annotations

import datetime as dt

from ..formats import converter, parse_contract_timestamp
from ..model import Column, Layout, Missing, MissingFile, VendorFile

DOCS = "https://support.pipedrive.com/en/article/exporting-data-from-pipedrive"


def _stamp(text: str) -> dt.datetime | None:
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return None


@converter("pipedrive_datetime")
class PipedriveDatetime:
    """Pipedrive's export date-time `2026-11-20 14:03:05` (also without seconds), read as
    UTC <-> the contract's ISO 8601 with offset."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        stamp = _stamp(value)
        return value if stamp is None else stamp.isoformat(timespec="seconds")

    @staticmethod
    def to_vendor(value: str):
        stamp = parse_contract_timestamp(value)
        if stamp is None:
            return value
        return stamp.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


@converter("pipedrive_due", arity=2)
class PipedriveDue:
    """An activity's (`Due date`, `Due time`) <-> the contract's `occurred_at`; an activity
    without a due time is due at 00:00 UTC of its date. Written with seconds (`14:03:05`),
    read with or without them."""

    @staticmethod
    def to_contract(due_date: str | None, due_time: str | None) -> str | None:
        if due_date is None:
            return None
        stamp = _stamp(f"{due_date.strip()} {(due_time or '00:00').strip()}")
        return due_date if stamp is None else stamp.isoformat(timespec="seconds")

    @staticmethod
    def to_vendor(occurred_at: str | None):
        stamp = None if occurred_at is None else parse_contract_timestamp(occurred_at)
        if stamp is None:
            return (occurred_at, None)
        utc = stamp.astimezone(dt.UTC)
        return (utc.date().isoformat(), utc.strftime("%H:%M:%S"))


@converter("pipedrive_duration")
class PipedriveDuration:
    """An activity's `Duration` `HH:MM` <-> the contract's whole `duration_minutes`."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        hours, sep, minutes = value.strip().partition(":")
        if not sep or not hours.isdigit() or not minutes[:2].isdigit():
            return value
        return str(int(hours) * 60 + int(minutes[:2]))

    @staticmethod
    def to_vendor(value: str):
        text = value.strip()
        if not text.isdigit():
            return value
        hours, minutes = divmod(int(text), 60)
        return f"{hours:02d}:{minutes:02d}"


@converter("pipedrive_website")
class PipedriveWebsite:
    """An organization's `Website` (`https://www.acme.it/`) <-> the contract's `domain`
    (`acme.it`)."""

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


# A deal's Source channel: the marketing channels it names.
_SOURCE = {
    "organic search": "organic",
    "organic social": "organic",
    "direct traffic": "organic",
    "paid search": "paid_ads",
    "paid social": "paid_ads",
    "email marketing": "email_campaign",
}
_SOURCE_OUT = {
    "organic": "Organic search",
    "paid_ads": "Paid search",
    "email_campaign": "Email marketing",
}


@converter("pipedrive_source")
class PipedriveSource:
    """A deal's `Source channel` (Organic search, Paid search, Paid social, Email marketing,
    Referral, Event, ...) <-> the contract's lead sources (Referral, Event and the like fold
    to their category; others pass through: the audit keeps them as `other`, flagged)."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        return _SOURCE.get(value.strip().casefold(), value)

    @staticmethod
    def to_vendor(value: str):
        return _SOURCE_OUT.get(value, value)


_TIME = "pipedrive_datetime"

# What the exports' gaps leave empty or different in the marts (model.py: "mart" empty or
# different, "mart.column" NULL in every row), from the marts' SQL and lineage.
_DEAL_MARTS = (
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
_USER_MARTS = ("dim_rep", *_DEAL_MARTS)
_STAGE_MARTS = ("dim_stage", "fct_stage_durations", *_DEAL_MARTS)
_HISTORY_MARTS = ("fct_stage_durations", *_DEAL_MARTS)
_LEAD_MARTS = (
    "fct_lead_funnel",
    "fct_goal_attainment",
    "rpt_campaign_performance",
    "rpt_conversion_by_source",
    "rpt_revenue_plan",
    "rpt_revenue_plan_by_stage",
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

_NOT_READ = "; this layout reads Pipedrive's organizations, people, deals and activities exports"

LAYOUT = Layout(
    vendor="pipedrive",
    domain="crm",
    title="Pipedrive CSV exports of organizations, people, deals and activities",
    docs_url=DOCS,
    files=(
        VendorFile(
            name="organizations*.csv",
            format="csv",
            signature=(
                "Organization - ID",
                "Organization - Name",
                "Organization - Owner",
                "Organization - Organization created",
            ),
            target="crm/accounts.csv",
            columns={
                "account_id": Column("Organization - ID"),
                "name": Column("Organization - Name"),
                "domain": Column("Organization - Website", format="pipedrive_website"),
                "industry": Column("Organization - Industry"),
                "segment": Missing(
                    "Pipedrive organizations have no segment (smb, mid-market, enterprise) "
                    "field; companies add their own",
                    affects=(
                        "dim_account.segment",
                        "fct_deal_forecast",
                        "rpt_revenue_forecast",
                        "rpt_revenue_forecast_by_product",
                    ),
                ),
                # the country of the organization's address, as entered
                "country": Column("Organization - Country of Address"),
                "owner_id": Column("Organization - Owner"),
                "created_at": Column("Organization - Organization created", format=_TIME),
                "status": Missing(
                    "Pipedrive organizations have no active/inactive status",
                    affects=("dim_account", "rpt_account_stage_reach"),
                ),
                "inactive_since": Missing(
                    "no organization status, so no date it changed",
                    affects=("dim_account.inactive_since",),
                ),
                "inactive_reason": Missing(
                    "no organization status, so no reason for it",
                    affects=("dim_account.inactive_reason",),
                ),
                "updated_at": Column("Organization - Update time", format=_TIME),
            },
        ),
        VendorFile(
            name="people*.csv",
            format="csv",
            signature=(
                "Person - ID",
                "Person - First name",
                "Person - Last name",
                "Person - Person created",
            ),
            target="crm/contacts.csv",
            columns={
                "contact_id": Column("Person - ID"),
                "account_id": Column("Person - Organization ID"),
                "first_name": Column("Person - First name"),
                "last_name": Column("Person - Last name"),
                "email": Column("Person - Email - Work"),
                "phone": Column("Person - Phone - Work"),
                "job_title": Column("Person - Job title"),
                "buying_role": Missing(
                    "Pipedrive people have no buying-role field",
                    affects=("dim_contact.buying_role",),
                ),
                "created_at": Column("Person - Person created", format=_TIME),
                "updated_at": Column("Person - Update time", format=_TIME),
            },
        ),
        VendorFile(
            name="deals*.csv",
            format="csv",
            signature=(
                "Deal - ID",
                "Deal - Title",
                "Deal - Stage",
                "Deal - Status",
                "Deal - Value",
            ),
            target="crm/deals.csv",
            columns={
                "deal_id": Column("Deal - ID"),
                "name": Column("Deal - Title"),
                "account_id": Column("Deal - Organization ID"),
                "contact_id": Column("Deal - Contact person ID"),
                "lead_id": Missing(
                    "a deal keeps no link to the Pipedrive lead it was converted from",
                    affects=("fct_deals",),
                ),
                "pipeline_id": Column("Deal - Pipeline"),
                "stage_id": Column("Deal - Stage"),
                "owner_id": Column("Deal - Owner"),
                "amount": Column("Deal - Value"),
                "currency": Column("Deal - Currency of Value"),
                "deal_type": Missing(
                    "Pipedrive deals have no type (new business, upsell, renewal) field",
                    affects=("fct_deals", "fct_deal_stage_reached"),
                ),
                "source": Column("Deal - Source channel", format="pipedrive_source"),
                "created_at": Column("Deal - Deal created", format=_TIME),
                "expected_close_date": Column("Deal - Expected close date"),
                "closed_at": Column("Deal - Deal closed on", format=_TIME),
                "status": Column(
                    "Deal - Status", values={"Open": "open", "Won": "won", "Lost": "lost"}
                ),
                "lost_reason": Column("Deal - Lost reason"),
                "updated_at": Column("Deal - Update time", format=_TIME),
            },
        ),
        VendorFile(
            name="activities*.csv",
            format="csv",
            signature=(
                "Activity - ID",
                "Activity - Subject",
                "Activity - Type",
                "Activity - Due date",
                "Activity - Done",
            ),
            target="crm/activities.csv",
            columns={
                "activity_id": Column("Activity - ID"),
                # Call, Meeting, Task, Deadline, Email, Lunch; `Video call`, `Demo` types a
                # company adds are folded
                "activity_type": Column(
                    "Activity - Type",
                    values={"Call": "call", "Meeting": "meeting", "Email": "email", "Task": "task"},
                ),
                "outcome": Missing(
                    "Pipedrive activities have no outcome (connected, held, replied): done "
                    "or not only",
                    affects=("fct_activities.outcome", "fct_goal_attainment"),
                ),
                "user_id": Column("Activity - Assigned to user"),
                "occurred_at": Column(
                    ("Activity - Due date", "Activity - Due time"), format="pipedrive_due"
                ),
                # Pipedrive has no cancelled activity (it is deleted)
                "status": Column("Activity - Done", values={"Done": "done", "To do": "scheduled"}),
                "duration_minutes": Column("Activity - Duration", format="pipedrive_duration"),
                "lead_id": Missing(
                    "the activities export names no lead (leads are not among the exports read)",
                    affects=("fct_activities.lead_id", "fct_goal_attainment", "fct_lead_funnel"),
                ),
                "deal_id": Column("Deal - ID"),
                "contact_id": Column("Person - ID"),
                "account_id": Column("Organization - ID"),
                "subject": Column("Activity - Subject"),
                "notes": Column("Activity - Note"),
            },
        ),
    ),
    missing=(
        MissingFile(
            "crm/users.csv",
            "the exports name owners and assignees by name; Pipedrive's users are not in "
            "them; supply crm/users.csv in the neutral layout, user_id = the user's name as "
            "the exports write it",
            _USER_MARTS,
        ),
        MissingFile(
            "crm/leads.csv",
            "Pipedrive's leads inbox is exported separately and names no converted deal, "
            "person or organization" + _NOT_READ,
            _LEAD_MARTS,
        ),
        MissingFile(
            "crm/pipeline_stages.csv",
            "pipelines and their stages are settings, not in the exports (deals carry the "
            "names of their pipeline and stage); supply crm/pipeline_stages.csv in the "
            "neutral layout, pipeline_id and stage_id = the names as the deals export "
            "writes them",
            _STAGE_MARTS,
        ),
        MissingFile(
            "crm/deal_history.csv",
            "a deal's stage changes are in its change log (the API's deal flow), not in any "
            "CSV export",
            _HISTORY_MARTS,
        ),
        MissingFile(
            "crm/products.csv",
            "the products catalogue is exported separately" + _NOT_READ,
            _PRODUCT_MARTS,
        ),
        MissingFile(
            "crm/deal_line_items.csv",
            "the products attached to deals are not in the deals export (only their total "
            "quantity and amount)",
            _LINE_ITEM_MARTS,
        ),
        MissingFile(
            "crm/quotes.csv",
            "Pipedrive has no quotes in its exports",
            _QUOTE_MARTS,
        ),
        MissingFile(
            "crm/goals.csv",
            "Pipedrive's goals (Insights) have no export; supply crm/goals.csv in the neutral "
            "layout",
            _GOAL_MARTS,
        ),
        MissingFile(
            "crm/goal_assignments.csv",
            "Pipedrive's goals have no export, nor their assignees; supply "
            "crm/goal_assignments.csv in the neutral layout",
            _GOAL_MARTS,
        ),
    ),
)
