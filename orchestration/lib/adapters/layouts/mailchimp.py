"""Mailchimp: the audience export (a zip of three CSV files: subscribed, unsubscribed and
cleaned contacts), the campaigns list and the campaigns' e-mail activity.

- The audience export's files carry the audience only in their names
  (`subscribed_email_audience_export_<audience>.csv`): the part after `_export_` is read as
  the contract's `list_id`, so it must be the id the campaigns list names as
  `recipients.list_id`.
- The campaigns list is the Marketing API's `GET /campaigns` response saved as JSON
  (`{"campaigns": [...]}`); Mailchimp records no spend per campaign.
- The e-mail activity is one row per action with the Marketing API's email-activity field
  names (`campaign_id`, `email_address`, `action`, `type`, `timestamp`, `url`). Mailchimp
  gives its activity no id: the contract's `event_id` is made from the campaign, address,
  action, time and URL (the same action exported twice gets the same id).
"""

from __future__ import annotations

import hashlib

from ..formats import converter
from ..model import Column, Constant, FileNamePart, Layout, Missing, VendorFile

DOCS = "https://mailchimp.com/developer/marketing/api/"

MEMBER_SIGNATURE = (
    "Email Address",
    "MEMBER_RATING",
    "OPTIN_TIME",
    "CONFIRM_TIME",
    "LAST_CHANGED",
    "LEID",
    "EUID",
)


@converter("mailchimp_event_id", arity=5, derived=True)
class MailchimpEventId:
    """An event id made from (campaign_id, email_address, action, timestamp, url): Mailchimp's
    activity has none. `evt_mc_` + 16 hex digits of their SHA-256."""

    @staticmethod
    def to_contract(campaign, email, action, timestamp, url) -> str | None:
        if campaign is None and email is None and timestamp is None:
            return None
        key = "\x1f".join(
            v or "" for v in (campaign, (email or "").casefold(), action, timestamp, url)
        )
        return "evt_mc_" + hashlib.sha256(key.encode()).hexdigest()[:16]

    @staticmethod
    def to_vendor(value):
        return (None,) * 5


def _member_file(kind: str, extra: tuple[str, ...], left_at: Column | Constant) -> VendorFile:
    return VendorFile(
        name=f"{kind}_email_audience_export_*.csv",
        format="csv",
        signature=(*MEMBER_SIGNATURE, *extra),
        target="email/list_members.csv",
        columns={
            "list_id": FileNamePart(),
            "email": Column("Email Address"),
            "status": Constant(kind),
            "subscribed_at": Column("OPTIN_TIME", format="utc_datetime"),
            "unsubscribed_at": left_at,
        },
        when={} if kind == "subscribed" else {"status": (kind,)},
    )


_NO_SPEND = "Mailchimp records no spend per campaign"

LAYOUT = Layout(
    vendor="mailchimp",
    domain="email",
    title="Mailchimp audience export, campaigns and e-mail activity",
    docs_url=DOCS,
    files=(
        _member_file("subscribed", (), Constant(None)),
        _member_file(
            "unsubscribed",
            ("UNSUB_TIME", "UNSUB_CAMPAIGN_ID", "UNSUB_REASON"),
            Column("UNSUB_TIME", format="utc_datetime"),
        ),
        _member_file(
            "cleaned",
            ("CLEAN_TIME", "CLEAN_CAMPAIGN_ID"),
            Column("CLEAN_TIME", format="utc_datetime"),
        ),
        VendorFile(
            name="campaigns*.json",
            format="json",
            records_path=("campaigns",),
            signature=("id", "status", "settings.title", "recipients.list_id"),
            target="email/campaigns.csv",
            columns={
                "campaign_id": Column("id"),
                "name": Column("settings.title"),
                "list_id": Column("recipients.list_id"),
                "subject": Column("settings.subject_line"),
                "status": Column("status", values={"save": "draft", "sent": "sent"}),
                "sent_at": Column("send_time", format="iso_utc"),
                "cost": Missing(
                    _NO_SPEND,
                    affects=(
                        "dim_campaign.cost",
                        "dim_campaign.cost_rc",
                        "rpt_campaign_performance.cost_rc",
                        "rpt_campaign_performance.revenue_per_cost",
                    ),
                ),
                "currency": Missing(_NO_SPEND, affects=("dim_campaign.currency",)),
            },
        ),
        VendorFile(
            name="email_activity*.csv",
            format="csv",
            signature=("campaign_id", "email_address", "action", "timestamp"),
            target="email/events.jsonl",
            columns={
                "event_id": Column(
                    ("campaign_id", "email_address", "action", "timestamp", "url"),
                    format="mailchimp_event_id",
                ),
                "campaign_id": Column("campaign_id"),
                "email": Column("email_address"),
                "event": Column("action"),
                "timestamp": Column("timestamp", format="iso_as_unix_seconds"),
                "url": Column("url"),
                "bounce_type": Column("type"),
            },
        ),
    ),
)
