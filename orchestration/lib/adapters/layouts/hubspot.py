"""HubSpot: the CSV exports of the companies, contacts and deals index pages (CRM > Companies
/ Contacts / Deals > Export, all properties, associations included), named
`hubspot-crm-exports-<view>-<date>.csv`. The header of each file is the properties' labels
(`Record ID`, `Deal Name`, `Deal Stage`, ...), the associated records' ids are columns
`Associated Company IDs (Primary)`, `Associated Contact IDs`.

Values as the export writes them: pipelines, stages and picklists by their labels (`Sales
Pipeline`, `Appointment Scheduled`), owners by name (`Deal owner`), date-times as
`YYYY-MM-DD HH:MM` without offset in the account's time zone (read in the landing's time
zone: `timezone = "Europe/Berlin"` in its `crmwh-layouts.toml`, UTC without one; seconds,
when present, are read too),
dates `YYYY-MM-DD`, booleans `true`/`false`.

What these three exports do not hold: users (owners are names), leads, the pipelines' stage
lists, the deals' stage history (only one `Date entered "<stage> (<pipeline>)"` column per
stage, no amounts, close dates or owners at each change), activities, products, line items,
quotes and goals.
Property labels: HubSpot's default company, contact and deal properties (`DOCS`).
"""

from __future__ import annotations

import datetime as dt

from ..formats import converter
from ..model import Column, Layout, Missing, MissingFile, VendorFile
from ._shared import (
    ACTIVITY_MARTS,
    HISTORY_MARTS,
    LEAD_MARTS,
    LINE_ITEM_MARTS,
    PRODUCT_MARTS,
    QUOTE_MARTS,
    STAGE_MARTS,
    TRAFFIC_SOURCES,
    USER_MARTS,
    WITHOUT_HISTORY,
    LocalDatetime,
    account_gaps,
    closed_at,
    goal_files,
    lookup,
    supplied,
)

DOCS = "https://knowledge.hubspot.com/crm-deals/hubspots-default-deal-properties"


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


closed_at(
    "hubspot_closed_at",
    LocalDatetime.to_contract,
    LocalDatetime.to_vendor,
    "A deal's (`Is Deal Closed?`, `Date entered current stage`) <-> the contract's "
    "`closed_at` (`Date entered current stage` comes with the Professional editions; "
    "without it a closed deal's `closed_at` is empty).",
)

# The deals' Original Traffic Source (hs_analytics_source) labels. HubSpot has no event,
# outbound or partner source (Offline Sources, Other Campaigns pass through: the audit keeps
# them as `other`, flagged).
lookup(
    "hubspot_source",
    {**TRAFFIC_SOURCES, "referrals": "referral"},
    {
        "organic": "Organic Search",
        "paid_ads": "Paid Search",
        "email_campaign": "Email Marketing",
        "referral": "Referrals",
    },
    "`Original Traffic Source` (Organic Search, Paid Search, Email Marketing, Organic "
    "Social, Paid Social, Referrals, Direct Traffic, ...) <-> the contract's lead sources.",
)

# Buying Role (hs_buying_role) options that have a contract role.
BUYING_ROLES = {
    "Decision Maker": "decision_maker",
    "Champion": "champion",
    "Influencer": "influencer",
    "End User": "user",
    "Other": "other",
}

_TIME = "local_datetime"
_NOT_IN = "not in the companies, contacts and deals exports"

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
                # free text as entered (`Italy`), not always an ISO 3166 code
                "country": Column("Country/Region"),
                "owner_id": Column("Company owner"),
                "created_at": Column("Create Date", format=_TIME),
                **account_gaps("HubSpot companies", "company", "property", "accounts"),
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
                "status": Column(("Is Deal Closed?", "Is Closed Won"), format="closed_won_status"),
                "lost_reason": Column("Closed Lost Reason"),
                "updated_at": Column("Last Modified Date", format=_TIME),
            },
        ),
    ),
    missing=(
        supplied(
            "crm/users.csv",
            "the record exports name owners (Deal owner, Company owner) by name; HubSpot's "
            "users are not in them; user_id = the owner's name as the exports write it",
            USER_MARTS,
        ),
        MissingFile(
            "crm/leads.csv",
            "HubSpot keeps prospects as contacts (Lifecycle Stage, Lead Status); the three "
            "exports hold no lead records with their conversion",
            LEAD_MARTS,
        ),
        supplied(
            "crm/pipeline_stages.csv",
            "pipelines and their stages are settings, not in the record exports (deals carry "
            "the labels of their pipeline and stage); pipeline_id and stage_id = the labels "
            "as the deals export writes them",
            STAGE_MARTS,
        ),
        MissingFile(
            "crm/deal_history.csv",
            "the deals export holds only one 'Date entered <stage>' column per stage of each "
            "pipeline: no amount, close date or owner at each change, and columns named after "
            "the account's own stages, which a declared layout cannot read" + WITHOUT_HISTORY,
            HISTORY_MARTS,
        ),
        MissingFile(
            "crm/activities.csv",
            f"calls, meetings, e-mails and tasks are {_NOT_IN}",
            ACTIVITY_MARTS,
        ),
        MissingFile("crm/products.csv", f"the product library is {_NOT_IN}", PRODUCT_MARTS),
        MissingFile("crm/deal_line_items.csv", f"line items are {_NOT_IN}", LINE_ITEM_MARTS),
        MissingFile("crm/quotes.csv", f"quotes are {_NOT_IN}", QUOTE_MARTS),
        *goal_files(
            "HubSpot goals have no export", "HubSpot goals have no export, nor their assignments"
        ),
    ),
)
