"""Canonical values of the contract's category and enum columns (docs/exports.md).

They are defined once, in `vars.contract_categories` of dbt_project/dbt_project.yml:
staging normalises with them (macro `category_values`) and the audit's rules are written
from the constants below, read from that block.
"""

from __future__ import annotations

from pathlib import Path

import yaml

DBT_PROJECT_FILE = Path(__file__).resolve().parents[1] / "dbt_project" / "dbt_project.yml"


def _load() -> dict[str, tuple[str, ...]]:
    block = yaml.safe_load(DBT_PROJECT_FILE.read_text())["vars"]["contract_categories"]
    return {name: tuple(values) for name, values in block.items()}


CATEGORIES: dict[str, tuple[str, ...]] = _load()

LEAD_SOURCES = CATEGORIES["lead_sources"]
DEAL_TYPES = CATEGORIES["deal_types"]
SEGMENTS = CATEGORIES["segments"]
BUYING_ROLES = CATEGORIES["buying_roles"]
ACTIVITY_TYPES = CATEGORIES["activity_types"]
ACTIVITY_OUTCOMES = CATEGORIES["activity_outcomes"]
TICKET_CHANNELS = CATEGORIES["ticket_channels"]
TICKET_PRIORITIES = CATEGORIES["ticket_priorities"]
TICKET_TYPES = CATEGORIES["ticket_types"]
REFUND_REASONS = CATEGORIES["refund_reasons"]

# Status and type columns that drive logic: an unknown value quarantines the record.
USER_ROLES = CATEGORIES["user_roles"]
ACCOUNT_STATUSES = CATEGORIES["account_statuses"]
LEAD_STATUSES = CATEGORIES["lead_statuses"]
STAGE_TYPES = CATEGORIES["stage_types"]
DEAL_STATUSES = CATEGORIES["deal_statuses"]
ACTIVITY_STATUSES = CATEGORIES["activity_statuses"]
QUOTE_STATUSES = CATEGORIES["quote_statuses"]
GOAL_METRICS = CATEGORIES["goal_metrics"]
GOAL_SCOPES = CATEGORIES["goal_scopes"]
PERIODS = CATEGORIES["periods"]
CAMPAIGN_STATUSES = CATEGORIES["campaign_statuses"]
MEMBER_STATUSES = CATEGORIES["member_statuses"]
EMAIL_EVENTS = CATEGORIES["email_events"]
INVOICE_STATUSES = CATEGORIES["invoice_statuses"]
CHARGE_STATUSES = CATEGORIES["charge_statuses"]
REFUND_STATUSES = CATEGORIES["refund_statuses"]
TICKET_STATUSES = CATEGORIES["ticket_statuses"]
