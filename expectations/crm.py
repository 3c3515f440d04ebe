"""Suites of the CRM export files (crm/*.csv)."""

from orchestration.lib.contract import BY_PATH

from . import categories as cat
from .rules import (
    PERCENT,
    POSITIVE_DECIMAL,
    POSITIVE_INTEGER,
    PROBABILITY,
    SetRule,
    SetRuleKind,
    Severity,
    boolean,
    category,
    date,
    decimal,
    email,
    enum,
    integer,
    iso_timestamp,
    known_currency,
    matches,
    reference,
    required,
    sql_rule,
    suite,
    timestamp_order,
)


def _suite(path, rules, set_rules=()):
    spec = BY_PATH[path]
    return suite(path, spec.columns, spec.key, rules, spec.updated_at, set_rules)


USERS = _suite(
    "crm/users.csv",
    [
        email("email"),
        enum("role", cat.USER_ROLES),
        date("hired_on"),
        boolean("is_active"),
        date("deactivated_on"),
    ],
)

ACCOUNTS = _suite(
    "crm/accounts.csv",
    [
        category("segment", cat.SEGMENTS),
        enum("status", cat.ACCOUNT_STATUSES),
        iso_timestamp("created_at"),
        date("inactive_since"),
        iso_timestamp("updated_at"),
    ],
)

CONTACTS = _suite(
    "crm/contacts.csv",
    [
        email("email"),
        category("buying_role", cat.BUYING_ROLES),
        iso_timestamp("created_at"),
        iso_timestamp("updated_at"),
    ],
)

LEADS = _suite(
    "crm/leads.csv",
    [
        iso_timestamp("created_at"),
        email("email"),
        category("source", cat.LEAD_SOURCES),
        enum("status", cat.LEAD_STATUSES),
        iso_timestamp("qualified_at"),
        iso_timestamp("converted_at"),
        iso_timestamp("updated_at"),
    ],
)

PIPELINE_STAGES = _suite(
    "crm/pipeline_stages.csv",
    [
        matches("stage_order", POSITIVE_INTEGER, "not_positive_integer", "{column} is not 1..n"),
        matches("probability", PROBABILITY, "out_of_range", "{column} is not a decimal in 0..1"),
        enum("stage_type", cat.STAGE_TYPES),
    ],
)

DEALS = _suite(
    "crm/deals.csv",
    [
        required("account_id"),
        required("pipeline_id"),
        required("stage_id"),
        required("owner_id"),
        decimal("amount"),
        known_currency(),
        category("deal_type", cat.DEAL_TYPES),
        category("source", cat.LEAD_SOURCES),
        iso_timestamp("created_at"),
        date("expected_close_date"),
        iso_timestamp("closed_at"),
        enum("status", cat.DEAL_STATUSES),
        iso_timestamp("updated_at"),
        timestamp_order("created_at", "closed_at"),
        reference("account_id", "crm__accounts", "account_id", "an account"),
        sql_rule(
            "lost_reason_missing",
            Severity.FLAG,
            "lower(trim(r.status)) = 'lost' and nullif(trim(r.lost_reason), '') is null",
            "a lost deal without lost reason: reason category `unspecified`",
            "lost_reason",
        ),
    ],
)

DEAL_HISTORY = _suite(
    "crm/deal_history.csv",
    [
        required("deal_id"),
        iso_timestamp("changed_at"),
        decimal("amount"),
        known_currency(),
        date("expected_close_date"),
        sql_rule(
            "changed_at_before_deal_created",
            Severity.QUARANTINE,
            "exists (select 1 from raw.crm__deals as deal "
            "where deal.deal_id = r.deal_id and deal._batch_date <= r._batch_date "
            "and try_cast(deal.created_at as timestamptz) > try_cast(r.changed_at as timestamptz))",
            "changed_at is before the deal's created_at",
            "changed_at",
        ),
    ],
)

ACTIVITIES = _suite(
    "crm/activities.csv",
    [
        category("activity_type", cat.ACTIVITY_TYPES),
        category("outcome", cat.ACTIVITY_OUTCOMES),
        required("user_id"),
        iso_timestamp("occurred_at"),
        enum("status", cat.ACTIVITY_STATUSES),
        integer("duration_minutes"),
        reference("deal_id", "crm__deals", "deal_id", "a deal"),
    ],
)

PRODUCTS = _suite(
    "crm/products.csv",
    [
        decimal("list_price"),
        decimal("unit_cost"),
        known_currency(),
        boolean("is_active"),
    ],
)

DEAL_LINE_ITEMS = _suite(
    "crm/deal_line_items.csv",
    [
        required("deal_id"),
        required("product_id"),
        integer("quantity"),
        matches("quantity", POSITIVE_INTEGER, "not_positive", "{column} is not greater than 0"),
        decimal("unit_price"),
        matches("discount_pct", PERCENT, "out_of_range", "{column} is not a decimal in 0..100"),
        known_currency(),
        reference("product_id", "crm__products", "product_id", "a product"),
    ],
)

QUOTES = _suite(
    "crm/quotes.csv",
    [
        required("deal_id"),
        iso_timestamp("created_at"),
        iso_timestamp("sent_at"),
        enum("status", cat.QUOTE_STATUSES),
        decimal("total_amount"),
        known_currency(),
    ],
)

GOALS = _suite(
    "crm/goals.csv",
    [
        enum("metric", cat.GOAL_METRICS),
        enum("scope", cat.GOAL_SCOPES),
        required("period_1"),
        enum("period_1", cat.PERIODS),
        required("target_1"),
        matches("target_1", POSITIVE_DECIMAL, "not_positive", "{column} is not a number > 0"),
        enum("period_2", cat.PERIODS),
        matches("target_2", POSITIVE_DECIMAL, "not_positive", "{column} is not a number > 0"),
        known_currency(),
        required("starts_on"),
        date("starts_on"),
        date("ends_on"),
        sql_rule(
            "period_2_equals_period_1",
            Severity.QUARANTINE,
            "lower(trim(r.period_2)) = lower(trim(r.period_1))",
            "period_2 equals period_1: a goal is measured over two different periods",
            "period_2",
        ),
    ],
)

GOAL_ASSIGNMENTS = _suite(
    "crm/goal_assignments.csv",
    [required("goal_id"), required("user_id"), date("assigned_on")],
    set_rules=(
        SetRule(
            "goal_assigned_twice",
            SetRuleKind.FIRST_OF_PAIR,
            Severity.QUARANTINE,
            "the user already carries this goal: the earliest assignment is kept",
            partition=("trim(goal_id)", "trim(user_id)"),
            order=("try_cast(trim(assigned_on) as date) nulls last", "assignment_id"),
        ),
    ),
)

SUITES = (
    USERS,
    ACCOUNTS,
    CONTACTS,
    LEADS,
    PIPELINE_STAGES,
    DEALS,
    DEAL_HISTORY,
    ACTIVITIES,
    PRODUCTS,
    DEAL_LINE_ITEMS,
    QUOTES,
    GOALS,
    GOAL_ASSIGNMENTS,
)
