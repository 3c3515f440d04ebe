"""Pipedrive: the CSV exports of organizations, people, deals and activities (a list view >
... > Export filter results, CSV). The header of each file is `<Entity> - <field name>` as
Pipedrive names its fields (`Deal - Title`, `Deal - Stage`, `Person - Email - Work`); the
related records' ids are columns of their own (`Deal - Organization ID`, `Deal - Contact
person ID`; in the activities export the related deal's, person's and organization's `ID`
fields, `Deal - ID`, `Person - ID`, `Organization - ID`).

Values as the export writes them: pipelines, stages, activity types and statuses by name
(`Qualified`, `Won`), owners and assignees by name, date-times `YYYY-MM-DD HH:MM:SS` without
offset, in the exporting user's time zone (read in the landing's time zone: `timezone =
"Europe/Berlin"` in its `crmwh-layouts.toml`, UTC without one), dates `YYYY-MM-DD`, an
activity's due time `HH:MM` and duration `HH:MM`.

Not in these four exports: users (owners are names), leads, the pipelines' stage lists,
the deals' stage history, products, line items, quotes, goals.
Field names: Pipedrive's export help and API field reference (`DOCS`).
"""

from __future__ import annotations

from ..formats import converter, local_zone, parse_contract_timestamp
from ..model import Column, Layout, Missing, MissingFile, VendorFile
from ._shared import (
    HISTORY_MARTS,
    LEAD_MARTS,
    LINE_ITEM_MARTS,
    PRODUCT_MARTS,
    QUOTE_MARTS,
    STAGE_MARTS,
    TRAFFIC_SOURCES,
    USER_MARTS,
    WITHOUT_HISTORY,
    account_gaps,
    goal_files,
    lookup,
    naive_local,
    supplied,
)

DOCS = "https://support.pipedrive.com/en/article/exporting-data-from-pipedrive"


@converter("pipedrive_due", arity=2)
class PipedriveDue:
    """An activity's (`Due date`, `Due time`) <-> the contract's `occurred_at`; an activity
    without a due time is due at 00:00 of its date, both in the landing's time zone (UTC by
    default). Written with seconds (`14:03:05`),
    read with or without them."""

    @staticmethod
    def to_contract(due_date: str | None, due_time: str | None) -> str | None:
        if due_date is None:
            return None
        stamp = naive_local(f"{due_date.strip()} {(due_time or '00:00').strip()}")
        return due_date if stamp is None else stamp.isoformat(timespec="seconds")

    @staticmethod
    def to_vendor(occurred_at: str | None):
        stamp = None if occurred_at is None else parse_contract_timestamp(occurred_at)
        if stamp is None:
            return (occurred_at, None)
        local = stamp.astimezone(local_zone())
        return (local.date().isoformat(), local.strftime("%H:%M:%S"))


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


# A deal's Source channel (Organic search, Paid search, Paid social, Email marketing,
# Referral, Event, ...): the marketing channels it names; Referral, Event and the like are
# folded to their category by the audit, others pass through (kept as `other`, flagged).
lookup(
    "pipedrive_source",
    TRAFFIC_SOURCES,
    {"organic": "Organic search", "paid_ads": "Paid search", "email_campaign": "Email marketing"},
    "A deal's `Source channel` <-> the contract's lead sources.",
)

_TIME = "local_datetime"
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
                "domain": Column("Organization - Website", format="website_domain"),
                "industry": Column("Organization - Industry"),
                # the country of the organization's address, as entered
                "country": Column("Organization - Country of Address"),
                "owner_id": Column("Organization - Owner"),
                "created_at": Column("Organization - Organization created", format=_TIME),
                **account_gaps("Pipedrive organizations", "organization", "field", "companies"),
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
        supplied(
            "crm/users.csv",
            "the exports name owners and assignees by name; Pipedrive's users are not in "
            "them; user_id = the user's name as the exports write it",
            USER_MARTS,
        ),
        MissingFile(
            "crm/leads.csv",
            "Pipedrive's leads inbox is exported separately and names no converted deal, "
            "person or organization" + _NOT_READ,
            LEAD_MARTS,
        ),
        supplied(
            "crm/pipeline_stages.csv",
            "pipelines and their stages are settings, not in the exports (deals carry the "
            "names of their pipeline and stage); pipeline_id and stage_id = the names as the "
            "deals export writes them",
            STAGE_MARTS,
        ),
        MissingFile(
            "crm/deal_history.csv",
            "a deal's stage changes are in its change log (the API's deal flow), not in any "
            "CSV export" + WITHOUT_HISTORY,
            HISTORY_MARTS,
        ),
        MissingFile(
            "crm/products.csv",
            "the products catalogue is exported separately" + _NOT_READ,
            PRODUCT_MARTS,
        ),
        MissingFile(
            "crm/deal_line_items.csv",
            "the products attached to deals are not in the deals export (only their total "
            "quantity and amount)",
            LINE_ITEM_MARTS,
        ),
        MissingFile("crm/quotes.csv", "Pipedrive has no quotes in its exports", QUOTE_MARTS),
        *goal_files(
            "Pipedrive's goals (Insights) have no export",
            "Pipedrive's goals have no export, nor their assignees",
        ),
    ),
)
