"""Zendesk: the tickets of the Incremental Ticket Export (`GET /api/v2/incremental/tickets
.json?include=metric_sets,users`, each page saved as one JSON file `{"tickets": [...],
"users": [...], ...}`, the tickets' metrics sideloaded as each ticket's `metric_set`) and
the calls of Zendesk Talk's Incremental Export of Calls
(`GET /api/v2/channels/voice/stats/incremental/calls.json`, saved as `{"calls": [...], ...}`).

Fields: the Tickets and Ticket Metrics APIs
(https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/,
https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_metrics/) and Talk's
incremental calls export
(https://developer.zendesk.com/api-reference/voice/talk-api/incremental_exports/).

Timestamps are UTC ISO 8601 (`2026-11-20T14:03:00Z`); ids and metrics are JSON numbers;
metrics in minutes are objects `{"calendar": n, "business": m}` (calendar minutes are
read, as the contract counts them).

A ticket names its requester by id (`requester_id`); with `include=users` (Tickets
sideloads: `include=metric_sets,users`) the page also holds the tickets' users as a top-level
list `users` (`id`, `name`, `email`): the requester's e-mail and name are those of the user
whose `id` is the ticket's `requester_id`, else (no users sideloaded, or the user has none)
the ticket's `via.source.from` (filled for tickets that came by e-mail). A separate users
export (`users.json` of the Incremental User Export) beside the tickets is not joined: a
layout's vendor file provides one contract file by itself.
"""

from __future__ import annotations

import datetime as dt

from ..formats import converter, parse_contract_timestamp
from ..model import Column, Layout, Missing, Sideloaded, VendorFile
from ._shared import lookup, utc_text

DOCS = (
    "https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/"
)


@converter("zendesk_datetime")
class ZendeskDatetime:
    """Zendesk's `2026-11-20T14:03:00Z` (UTC) <-> the contract's ISO 8601 with offset."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        text = value.strip()
        stamp = parse_contract_timestamp(text) if "T" in text else None
        if stamp is None:
            return value
        return stamp.astimezone(dt.UTC).isoformat(timespec="seconds")

    @staticmethod
    def to_vendor(value: str):
        return utc_text(value, "%Y-%m-%dT%H:%M:%SZ")


# Ticket statuses: `hold` (on-hold, waiting for a third party) is pending to the contract.
lookup(
    "zendesk_status",
    {"hold": "pending"},
    {},
    "Ticket `status` (new, open, pending, hold, solved, closed) <-> the contract's "
    "new|open|pending|solved|closed (`hold` read as pending).",
)

# Channels (`via.channel`): a call is `voice`; messaging is chat. Other channels pass through
# (the audit keeps them as `other`, flagged).
lookup(
    "zendesk_channel",
    {"voice": "phone", "native_messaging": "chat"},
    {"phone": "voice"},
    "A ticket's `via.channel` (email, web, chat, voice, native_messaging, api, ...) <-> the "
    "contract's email|web|chat|phone.",
)


@converter("zendesk_call_abandoned")
class ZendeskCallAbandoned:
    """A Talk call's `completion_status` (`completed`, `abandoned_in_queue`,
    `abandoned_in_ivr`, `abandoned_in_voicemail`, ...) <-> the contract's `abandoned`
    true/false."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        word = value.strip().casefold()
        return "true" if word.startswith("abandoned") else "false"

    @staticmethod
    def to_vendor(value: str):
        return {"true": "abandoned_in_queue", "false": "completed"}.get(value, value)


_TIME = "zendesk_datetime"
_INT = "integer"

LAYOUT = Layout(
    vendor="zendesk",
    domain="support",
    title="Zendesk incremental ticket export (JSON, metric sets and users sideloaded) and Talk "
    "call export (JSON)",
    docs_url=DOCS,
    files=(
        VendorFile(
            name="tickets*.json",
            format="json",
            records_path=("tickets",),
            signature=(
                "id",
                "subject",
                "status",
                "priority",
                "requester_id",
                "via.channel",
                "created_at",
                "updated_at",
            ),
            target="support/tickets.jsonl",
            columns={
                "id": Column("id", format=_INT),
                "subject": Column("subject"),
                "description": Column("description"),
                "requester_email": Sideloaded(
                    ("users",), "requester_id", "email", otherwise=Column("via.source.from.address")
                ),
                "requester_name": Sideloaded(
                    ("users",), "requester_id", "name", otherwise=Column("via.source.from.name")
                ),
                "channel": Column("via.channel", format="zendesk_channel"),
                "priority": Column("priority"),
                "status": Column("status", format="zendesk_status"),
                # question, incident, problem, task (Zendesk has no complaint type)
                "type": Column("type"),
                "tags": Column("tags", format="json"),
                "assignee_id": Column("assignee_id"),
                "created_at": Column("created_at", format=_TIME),
                "updated_at": Column("updated_at", format=_TIME),
                "solved_at": Column("metric_set.solved_at", format=_TIME),
                "first_reply_minutes": Column(
                    "metric_set.reply_time_in_minutes.calendar", format=_INT
                ),
                "full_resolution_minutes": Column(
                    "metric_set.full_resolution_time_in_minutes.calendar", format=_INT
                ),
                "agent_work_minutes": Missing(
                    "Zendesk's ticket metrics measure waiting, not work: an agent's handling "
                    "time is kept only by the Time Tracking app, in account-specific custom "
                    "fields",
                    affects=(
                        "fct_support_tickets",
                        "rpt_support_daily",
                        "fct_customer_profitability",
                    ),
                ),
                "reopens": Column("metric_set.reopens", format=_INT),
                "replies": Column("metric_set.replies", format=_INT),
                "satisfaction": Column("satisfaction_rating.score"),
                "sla_first_reply_target_minutes": Missing(
                    "a ticket carries no SLA target: targets are in the SLA policies, the "
                    "ticket only its breach times (include=slas)",
                    affects=("fct_support_tickets", "rpt_support_daily"),
                ),
            },
        ),
        VendorFile(
            name="calls*.json",
            format="json",
            records_path=("calls",),
            signature=(
                "id",
                "direction",
                "agent_id",
                "wait_time",
                "talk_time",
                "completion_status",
                "created_at",
            ),
            target="support/calls.csv",
            columns={
                "call_id": Column("id"),
                "ticket_id": Column("ticket_id", format=_INT),
                "direction": Column("direction"),
                "phone": Missing(
                    "Talk's call export names the caller by user id (customer_id), its "
                    "phone_number is the support line's own number",
                ),
                "agent_id": Column("agent_id"),
                "started_at": Column("created_at", format=_TIME),
                "wait_seconds": Column("wait_time", format=_INT),
                "talk_seconds": Column("talk_time", format=_INT),
                "abandoned": Column("completion_status", format="zendesk_call_abandoned"),
                "is_callback": Column("callback", format="json_bool"),
            },
        ),
    ),
)
