"""Salesforce: the weekly Data Export (Setup > Data Export), one CSV per object, the header
of each file the objects' API field names (`Id`, `AccountId`, `StageName`, ...).

Ids are Salesforce's 18-character ids; date-times are UTC with milliseconds
(`2026-11-20T14:03:00.000Z`, `iso_z_millis`); dates are `YYYY-MM-DD`; booleans `true`/
`false`. `CurrencyIsoCode` exists only in orgs with multiple currencies enabled (without it
the currency columns are empty, the org's single currency is not guessed).

Read here: Account, Contact, Lead, Opportunity, OpportunityHistory (the stage history),
OpportunityLineItem, Product2, Quote, Task and Event (both -> activities) and User.
Not in a Salesforce export: the stage list of each sales process (the pipelines), goals.
Field names: the Object Reference for the Salesforce Platform (`DOCS`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from ..formats import IsoZMillis, converter, parse_contract_timestamp
from ..model import Column, Layout, Missing, VendorFile
from ._shared import (
    ACTIVITY_MARTS,
    STAGE_MARTS,
    account_gaps,
    closed_at,
    goal_files,
    lookup,
    supplied,
)

DOCS = (
    "https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/"
    "object_reference/sforce_api_objects_list.htm"
)


def _z(value: str | None) -> str | None:
    """A contract timestamp as Salesforce writes it (`2026-11-20T14:03:00.000Z`)."""
    return None if value is None else IsoZMillis.to_vendor(value)


def _utc_date(value: str | None) -> str | None:
    stamp = None if value is None else parse_contract_timestamp(value)
    return None if stamp is None else stamp.astimezone(dt.UTC).date().isoformat()


# --- converters ---------------------------------------------------------------------------

closed_at(
    "salesforce_closed_at",
    IsoZMillis.to_contract,
    IsoZMillis.to_vendor,
    "(`IsClosed`, `LastStageChangeDate`) <-> the contract's `closed_at`: a closed "
    "opportunity's last stage change is its (latest) close; an open one has no close.",
)


@converter("salesforce_converted_at", arity=2)
class SalesforceConvertedAt:
    """A lead's (`ConvertedDate`, `LastModifiedDate`) <-> the contract's `converted_at`.
    Salesforce keeps only the date of a conversion; a converted lead is read-only, so its
    last modification is the conversion itself."""

    @staticmethod
    def to_contract(converted_date: str | None, last_modified: str | None) -> str | None:
        if converted_date is None:
            return None
        if last_modified is None:
            return converted_date  # a date is no timestamp: the audit rejects it
        return IsoZMillis.to_contract(last_modified)

    @staticmethod
    def to_vendor(converted_at: str | None):
        if converted_at is None:
            return (None, None)
        return (_utc_date(converted_at) or converted_at, _z(converted_at))


@converter("salesforce_task_time", arity=3)
class SalesforceTaskTime:
    """A task's (`CompletedDateTime`, `ReminderDateTime`, `ActivityDate`) <-> the contract's
    `occurred_at`: when it was completed; an open task's reminder time, else its due date
    (00:00 UTC)."""

    @staticmethod
    def to_contract(
        completed: str | None, reminder: str | None, due_date: str | None
    ) -> str | None:
        if completed is not None:
            return IsoZMillis.to_contract(completed)
        if reminder is not None:
            return IsoZMillis.to_contract(reminder)
        if due_date is None:
            return None
        text = due_date.strip()
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            return due_date
        return f"{text}T00:00:00+00:00"

    @staticmethod
    def to_vendor(occurred_at: str | None, row):
        if occurred_at is None:
            return (None, None, None)
        stamp, day = _z(occurred_at), _utc_date(occurred_at)
        if row.get("status") == "done":
            return (stamp, None, day)
        return (None, stamp, day)


# Task statuses of a new org; the open ones are planned work.
lookup(
    "salesforce_task_status",
    {
        "not started": "scheduled",
        "in progress": "scheduled",
        "waiting on someone else": "scheduled",
        "completed": "done",
        "deferred": "cancelled",
    },
    {"scheduled": "Not Started", "done": "Completed", "cancelled": "Deferred"},
    "Task `Status` (Not Started, In Progress, Waiting on someone else, Completed, Deferred) "
    "<-> the contract's scheduled|done|cancelled.",
)

# Quote statuses of a new org: the internal review states are drafts to the customer.
# Salesforce has no expired status: an expired quote keeps its status and its
# `ExpirationDate`.
lookup(
    "salesforce_quote_status",
    {
        "draft": "draft",
        "needs review": "draft",
        "in review": "draft",
        "approved": "draft",
        "rejected": "draft",  # rejected in the internal approval, never presented
        "presented": "sent",
        "accepted": "accepted",
        "denied": "rejected",  # the customer said no
    },
    {"draft": "Draft", "sent": "Presented", "accepted": "Accepted", "rejected": "Denied"},
    "Quote `Status` (Draft, Needs Review, In Review, Approved, Rejected, Presented, "
    "Accepted, Denied) <-> the contract's draft|sent|accepted|rejected.",
)


def _looks_like_salesforce_id(value: str) -> bool:
    return len(value) in (15, 18) and value.isalnum()


def _who_kind(who: str | None, account: str | None) -> str | None:
    """Whether an activity's `WhoId` is a lead or a contact: by the id's key prefix (`00Q`
    lead, `003` contact); otherwise a lead's activity has no account (Salesforce allows
    none), a contact's carries the contact's account (`AccountId` is set from it)."""
    if who is None:
        return None
    text = who.strip()
    if _looks_like_salesforce_id(text):
        if text.startswith("00Q"):
            return "lead"
        if text.startswith("003"):
            return "contact"
    return "contact" if account is not None else "lead"


@converter("salesforce_who_lead", arity=2)
class SalesforceWhoLead:
    """An activity's (`WhoId`, `AccountId`) -> the contract's `lead_id` (the WhoId when it
    is a lead)."""

    @staticmethod
    def to_contract(who: str | None, account: str | None) -> str | None:
        return who if _who_kind(who, account) == "lead" else None

    @staticmethod
    def to_vendor(lead_id: str | None, row):
        return (lead_id or row.get("contact_id"), row.get("account_id"))


@converter("salesforce_who_contact", arity=2)
class SalesforceWhoContact:
    """An activity's (`WhoId`, `AccountId`) -> the contract's `contact_id` (the WhoId when
    it is a contact)."""

    @staticmethod
    def to_contract(who: str | None, account: str | None) -> str | None:
        return who if _who_kind(who, account) == "contact" else None

    @staticmethod
    def to_vendor(contact_id: str | None, row):
        return (contact_id or row.get("lead_id"), row.get("account_id"))


@converter("salesforce_what_deal")
class SalesforceWhatDeal:
    """An activity's `WhatId` -> the contract's `deal_id`: an opportunity (key prefix
    `006`); a Salesforce id of another object (an account `001`, a case, a campaign) is no
    deal."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        text = value.strip()
        if _looks_like_salesforce_id(text) and not text.startswith("006"):
            return None
        return value

    @staticmethod
    def to_vendor(value: str):
        return value


@converter("salesforce_call_minutes")
class SalesforceCallMinutes:
    """A call task's `CallDurationInSeconds` <-> the contract's whole `duration_minutes`
    (rounded to the nearest minute)."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        try:
            seconds = Decimal(value.strip())
        except InvalidOperation:
            return value
        if not seconds.is_finite():
            return value
        return str(int((seconds / 60).to_integral_value()))

    @staticmethod
    def to_vendor(value: str):
        try:
            minutes = Decimal(value.strip())
        except InvalidOperation:
            return value
        if not minutes.is_finite() or minutes != minutes.to_integral_value():
            return value
        return str(int(minutes) * 60)


@converter("salesforce_name", arity=2)
class SalesforceName:
    """A person's (`FirstName`, `LastName`) <-> one full name (`Maria Luisa Rossi`: first
    name `Maria Luisa`, last name `Rossi`)."""

    @staticmethod
    def to_contract(first: str | None, last: str | None) -> str | None:
        parts = [p.strip() for p in (first, last) if p is not None and p.strip()]
        return " ".join(parts) or None

    @staticmethod
    def to_vendor(full_name: str | None):
        if full_name is None:
            return (None, None)
        first, _, last = full_name.rpartition(" ")
        return (first or None, last)


# --- the layout -------------------------------------------------------------------------

_TIME = "iso_z_millis"
_BOOL = "bool_true_false"

# The lead sources of a new org that have a contract category; an org's own values that
# spell a category (`Referral`, `Event`) are folded by the audit, the others become `other`.
LEAD_SOURCES = {
    "Web": "organic",
    "Advertisement": "paid_ads",
    "External Referral": "referral",
    "Trade Show": "event",
    "Purchased List": "outbound",
    "Partner Referral": "partner",
}

LEAD_STATUSES = {
    "Open - Not Contacted": "new",
    "Working - Contacted": "working",
    "Qualified": "qualified",
    "Closed - Not Converted": "disqualified",
    "Closed - Converted": "converted",
}

# Opportunity Type of a new org; `Renewal` or `Cross-Sell` values an org adds are folded.
DEAL_TYPES = {
    "New Customer": "new_business",
    "Existing Customer - Upgrade": "upsell",
}

_ACTIVITY_LINKS = {
    "lead_id": Column(("WhoId", "AccountId"), format="salesforce_who_lead"),
    "deal_id": Column("WhatId", format="salesforce_what_deal"),
    "contact_id": Column(("WhoId", "AccountId"), format="salesforce_who_contact"),
    "account_id": Column("AccountId"),
    "subject": Column("Subject"),
    "notes": Column("Description"),
}

LAYOUT = Layout(
    vendor="salesforce",
    domain="crm",
    title="Salesforce Data Export (weekly export CSVs, API field names)",
    docs_url=DOCS,
    files=(
        VendorFile(
            name="User.csv",
            format="csv",
            signature=("Id", "Username", "LastName", "Email", "IsActive"),
            target="crm/users.csv",
            columns={
                "user_id": Column("Id"),
                "full_name": Column(("FirstName", "LastName"), format="salesforce_name"),
                "email": Column("Email"),
                "role": Missing(
                    "Salesforce has no rep/manager/admin role: a user's place in the sales "
                    "team is the org's own role hierarchy (UserRoleId -> UserRole, names the "
                    "org chooses) and profile",
                    affects=("dim_rep.role", "rpt_rep_scorecard"),
                ),
                "team": Column("Department"),
                "manager_id": Column("ManagerId"),
                "territory": Missing(
                    "sales territories are assignments of Enterprise Territory Management "
                    "(UserTerritory2Association, several per user), not a field of the user",
                    affects=("dim_rep.territory",),
                ),
                "hired_on": Missing(
                    "a Salesforce user has no hiring date (CreatedDate is when the login was "
                    "created)",
                    affects=("dim_rep.hired_on",),
                ),
                "is_active": Column("IsActive", format=_BOOL),
                "deactivated_on": Missing(
                    "Salesforce keeps no deactivation date (IsActive only): "
                    "dim_rep.deactivated_on stays empty",
                ),
            },
        ),
        VendorFile(
            name="Account.csv",
            format="csv",
            signature=("Id", "Name", "Website", "Industry", "OwnerId", "BillingCity"),
            target="crm/accounts.csv",
            columns={
                "account_id": Column("Id"),
                "name": Column("Name"),
                "domain": Column("Website", format="website_domain"),
                "industry": Column("Industry"),
                # ISO 3166 code: with State and Country/Territory Picklists enabled
                "country": Column("BillingCountryCode"),
                "owner_id": Column("OwnerId"),
                "created_at": Column("CreatedDate", format=_TIME),
                **account_gaps("Salesforce accounts", "account", "field", "orgs"),
                "updated_at": Column("LastModifiedDate", format=_TIME),
            },
        ),
        VendorFile(
            name="Contact.csv",
            format="csv",
            signature=("Id", "AccountId", "LastName", "Email", "ReportsToId"),
            target="crm/contacts.csv",
            columns={
                "contact_id": Column("Id"),
                "account_id": Column("AccountId"),
                "first_name": Column("FirstName"),
                "last_name": Column("LastName"),
                "email": Column("Email"),
                "phone": Column("Phone"),
                "job_title": Column("Title"),
                "buying_role": Missing(
                    "Salesforce records a contact's buying role per opportunity "
                    "(OpportunityContactRole.Role), not on the contact",
                    affects=("dim_contact.buying_role",),
                ),
                "created_at": Column("CreatedDate", format=_TIME),
                "updated_at": Column("LastModifiedDate", format=_TIME),
            },
        ),
        VendorFile(
            name="Lead.csv",
            format="csv",
            signature=("Id", "Company", "LastName", "Status", "IsConverted"),
            target="crm/leads.csv",
            columns={
                "lead_id": Column("Id"),
                "created_at": Column("CreatedDate", format=_TIME),
                "first_name": Column("FirstName"),
                "last_name": Column("LastName"),
                "email": Column("Email"),
                "company_name": Column("Company"),
                "source": Column("LeadSource", values=LEAD_SOURCES),
                "campaign_id": Missing(
                    "a lead's campaigns are CampaignMember records of Salesforce campaigns, "
                    "not the e-mail tool's campaign ids",
                    affects=("fct_lead_funnel", "rpt_campaign_performance"),
                ),
                "referrer_account_id": Missing(
                    "Salesforce leads have no referring-account field",
                    affects=("fct_lead_funnel",),
                ),
                "owner_id": Column("OwnerId"),
                "status": Column("Status", values=LEAD_STATUSES),
                "qualified_at": Missing(
                    "Salesforce keeps no qualification time (only the current Status; its "
                    "changes are in LeadHistory when field history tracking is on): a lead "
                    "counts as qualified only once converted",
                    affects=("fct_lead_funnel", "rpt_conversion_by_source"),
                ),
                "disqualified_reason": Missing(
                    "Salesforce leads have no disqualification reason field",
                    affects=("fct_lead_funnel",),
                ),
                "converted_at": Column(
                    ("ConvertedDate", "LastModifiedDate"), format="salesforce_converted_at"
                ),
                "converted_account_id": Column("ConvertedAccountId"),
                "converted_contact_id": Column("ConvertedContactId"),
                "converted_deal_id": Column("ConvertedOpportunityId"),
                "updated_at": Column("LastModifiedDate", format=_TIME),
            },
        ),
        VendorFile(
            name="Opportunity.csv",
            format="csv",
            signature=("Id", "AccountId", "StageName", "CloseDate", "IsClosed", "IsWon"),
            target="crm/deals.csv",
            columns={
                "deal_id": Column("Id"),
                "name": Column("Name"),
                "account_id": Column("AccountId"),
                "contact_id": Column("ContactId"),
                "lead_id": Missing(
                    "an opportunity does not name its lead; the link is on the converted "
                    "lead (Lead.ConvertedOpportunityId)",
                    affects=("fct_deals",),
                ),
                # a sales process is chosen by the opportunity's record type
                "pipeline_id": Column("RecordTypeId"),
                "stage_id": Column("StageName"),
                "owner_id": Column("OwnerId"),
                "amount": Column("Amount"),
                "currency": Column("CurrencyIsoCode"),
                "deal_type": Column("Type", values=DEAL_TYPES),
                "source": Column("LeadSource", values=LEAD_SOURCES),
                "created_at": Column("CreatedDate", format=_TIME),
                "expected_close_date": Column("CloseDate"),
                "closed_at": Column(
                    ("IsClosed", "LastStageChangeDate"), format="salesforce_closed_at"
                ),
                "status": Column(("IsClosed", "IsWon"), format="closed_won_status"),
                "lost_reason": Missing(
                    "Salesforce opportunities have no loss-reason field (orgs add their own)",
                    affects=("fct_deals", "rpt_lost_reasons"),
                ),
                "updated_at": Column("LastModifiedDate", format=_TIME),
            },
        ),
        VendorFile(
            name="OpportunityHistory.csv",
            format="csv",
            signature=("Id", "OpportunityId", "StageName", "CloseDate", "CreatedDate"),
            target="crm/deal_history.csv",
            columns={
                "history_id": Column("Id"),
                "deal_id": Column("OpportunityId"),
                "changed_at": Column("CreatedDate", format=_TIME),
                "stage_id": Column("StageName"),
                "amount": Column("Amount"),
                "currency": Column("CurrencyIsoCode"),
                "expected_close_date": Column("CloseDate"),
                "owner_id": Missing(
                    "OpportunityHistory records stage, amount, probability and close date, "
                    "not the owner (owner changes are in OpportunityFieldHistory when field "
                    "history tracking is on): a closed deal's owner at close is unknown",
                    affects=(
                        "fct_pipeline_snapshot",
                        "fct_deals",
                        "fct_deal_stage_reached",
                        "fct_goal_attainment",
                        "rpt_lost_reasons",
                        "rpt_rep_scorecard",
                        "rpt_revenue_plan",
                        "rpt_revenue_plan_by_stage",
                    ),
                ),
            },
        ),
        VendorFile(
            name="OpportunityLineItem.csv",
            format="csv",
            signature=("Id", "OpportunityId", "Product2Id", "Quantity", "UnitPrice"),
            target="crm/deal_line_items.csv",
            columns={
                "line_item_id": Column("Id"),
                "deal_id": Column("OpportunityId"),
                "product_id": Column("Product2Id"),
                "quantity": Column("Quantity", format="integer"),
                "unit_price": Column("UnitPrice"),
                "discount_pct": Column("Discount"),
                "currency": Column("CurrencyIsoCode"),
            },
        ),
        VendorFile(
            name="Product2.csv",
            format="csv",
            signature=("Id", "Name", "ProductCode", "Family", "IsActive"),
            target="crm/products.csv",
            columns={
                "product_id": Column("Id"),
                "sku": Column("ProductCode"),
                "name": Column("Name"),
                "family": Column("Family"),
                "list_price": Missing(
                    "prices are price-book entries (PricebookEntry.UnitPrice, one per price "
                    "book and currency), not a field of the product",
                    affects=("dim_product.list_price", "fct_deal_line_items.list_price"),
                ),
                "unit_cost": Missing(
                    "Salesforce products have no cost field",
                    affects=(
                        "dim_product.unit_cost",
                        "fct_invoice_lines",
                        "rpt_product_profitability",
                        "fct_customer_profitability",
                    ),
                ),
                "currency": Missing(
                    "a product has no currency of its own (its price-book entries do)",
                    affects=("dim_product.currency",),
                ),
                "is_active": Column("IsActive", format=_BOOL),
            },
        ),
        VendorFile(
            name="Quote.csv",
            format="csv",
            signature=("Id", "OpportunityId", "QuoteNumber", "Status", "GrandTotal"),
            target="crm/quotes.csv",
            columns={
                "quote_id": Column("Id"),
                "deal_id": Column("OpportunityId"),
                "created_at": Column("CreatedDate", format=_TIME),
                "sent_at": Missing(
                    "Salesforce quotes record no time of presenting (the Status only)",
                    affects=("fct_quotes", "fct_deals"),
                ),
                "status": Column("Status", format="salesforce_quote_status"),
                "total_amount": Column("GrandTotal"),
                "currency": Column("CurrencyIsoCode"),
            },
        ),
        VendorFile(
            name="Task.csv",
            format="csv",
            signature=("Id", "Subject", "ActivityDate", "Status", "TaskSubtype", "WhoId"),
            target="crm/activities.csv",
            columns={
                "activity_id": Column("Id"),
                "activity_type": Column(
                    "TaskSubtype", values={"Call": "call", "Email": "email", "Task": "task"}
                ),
                # the result of a call (free text); e-mails and tasks have none in Salesforce
                "outcome": Column("CallDisposition"),
                "user_id": Column("OwnerId"),
                "occurred_at": Column(
                    ("CompletedDateTime", "ReminderDateTime", "ActivityDate"),
                    format="salesforce_task_time",
                ),
                "status": Column("Status", format="salesforce_task_status"),
                "duration_minutes": Column(
                    "CallDurationInSeconds", format="salesforce_call_minutes"
                ),
                **_ACTIVITY_LINKS,
            },
        ),
        VendorFile(
            name="Event.csv",
            format="csv",
            signature=("Id", "Subject", "StartDateTime", "EndDateTime", "WhoId"),
            target="crm/activities.csv",
            columns={
                "activity_id": Column("Id"),
                # Type (Call, Email, Meeting, Other); `Video Call` or `Demo` values an org
                # adds are folded to video_call / demo
                "activity_type": Column("Type", values={"Meeting": "meeting"}),
                "outcome": Missing(
                    "Salesforce events have no outcome (held, no-show, rescheduled)",
                    affects=("fct_activities", "fct_goal_attainment"),
                ),
                "user_id": Column("OwnerId"),
                "occurred_at": Column("StartDateTime", format=_TIME),
                "status": Missing(
                    "Salesforce events have no status: a calendar entry is neither done nor "
                    "cancelled (a cancelled meeting is deleted)",
                    affects=ACTIVITY_MARTS,
                ),
                "duration_minutes": Column("DurationInMinutes", format="integer"),
                **_ACTIVITY_LINKS,
            },
            when={"activity_type": ("meeting", "video_call", "demo")},
        ),
    ),
    missing=(
        supplied(
            "crm/pipeline_stages.csv",
            "a data export has the stage on each opportunity (StageName) and the org's "
            "stage list (OpportunityStage), but which stages make up which sales process "
            "(pipeline) is setup metadata, not data; stage_id = the StageName value, "
            "pipeline_id = the opportunities' RecordTypeId",
            STAGE_MARTS,
        ),
        *goal_files(
            "Salesforce has no goal object in its data export (quotas of Collaborative "
            "Forecasts are per user and period, another shape)",
            "no goals, so no goal assignments",
        ),
    ),
)
