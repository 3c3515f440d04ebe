"""Suites of the support-desk export files (support/*)."""

from orchestration.lib.contract import BY_PATH

from . import categories as cat
from .rules import boolean, category, email, enum, integer, iso_timestamp, suite


def _suite(path, rules):
    spec = BY_PATH[path]
    return suite(path, spec.columns, spec.key, rules, spec.updated_at)


TICKETS = _suite(
    "support/tickets.jsonl",
    [
        email("requester_email"),
        category("channel", cat.TICKET_CHANNELS),
        category("priority", cat.TICKET_PRIORITIES),
        enum("status", cat.TICKET_STATUSES),
        category("type", cat.TICKET_TYPES),
        iso_timestamp("created_at"),
        iso_timestamp("updated_at"),
        iso_timestamp("solved_at"),
        integer("first_reply_minutes"),
        integer("full_resolution_minutes"),
        integer("agent_work_minutes"),
        integer("reopens"),
        integer("replies"),
        integer("sla_first_reply_target_minutes"),
    ],
)

CALLS = _suite(
    "support/calls.csv",
    [
        iso_timestamp("started_at"),
        integer("wait_seconds"),
        integer("talk_seconds"),
        boolean("abandoned"),
        boolean("is_callback"),
    ],
)

SUITES = (TICKETS, CALLS)
