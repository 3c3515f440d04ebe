"""Suites of the e-mail marketing export files (email/*)."""

from orchestration.lib.contract import BY_PATH

from . import categories as cat
from .rules import decimal, email, enum, epoch, iso_timestamp, known_currency, reference, suite


def _suite(path, rules):
    spec = BY_PATH[path]
    return suite(path, spec.columns, spec.key, rules, spec.updated_at)


CAMPAIGNS = _suite(
    "email/campaigns.csv",
    [
        enum("status", cat.CAMPAIGN_STATUSES),
        iso_timestamp("sent_at"),
        decimal("cost"),
        known_currency(),
    ],
)

LIST_MEMBERS = _suite(
    "email/list_members.csv",
    [
        email("email"),
        enum("status", cat.MEMBER_STATUSES),
        iso_timestamp("subscribed_at"),
        iso_timestamp("unsubscribed_at"),
    ],
)

EVENTS = _suite(
    "email/events.jsonl",
    [
        email("email"),
        enum("event", cat.EMAIL_EVENTS),
        epoch("timestamp"),
        reference("campaign_id", "email__campaigns", "campaign_id", "a campaign"),
    ],
)

SUITES = (CAMPAIGNS, LIST_MEMBERS, EVENTS)
