"""The raw export contract (docs/exports.md) as data: one entry per export file.

Everything that needs to know which files exist, their columns, keys and load semantics
reads it from here: the parsers, the loader, the generator and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ExportFile:
    path: str  # relative to the batch folder, e.g. "crm/deals.csv"
    kind: str  # "snapshot" or "delta"
    columns: tuple[str, ...]  # the contract's columns, in contract order
    key: tuple[str, ...]  # the record's natural key
    updated_at: str | None = None  # the column that picks the winner among copies of one id
    # JSONL only: raw column -> path of keys in the JSON object
    json_paths: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return self.path.split("/")[0]

    @property
    def entity(self) -> str:
        return self.path.split("/")[1].split(".")[0]

    @property
    def table(self) -> str:
        """Name of the raw table (in schema `raw`): `<source>__<entity>`."""
        return f"{self.source}__{self.entity}"

    @property
    def format(self) -> str:
        return "jsonl" if self.path.endswith(".jsonl") else "csv"


def _cols(text: str) -> tuple[str, ...]:
    return tuple(text.split())


TICKET_PATHS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "subject": ("subject",),
    "description": ("description",),
    "requester_email": ("requester", "email"),
    "requester_name": ("requester", "name"),
    "channel": ("channel",),
    "priority": ("priority",),
    "status": ("status",),
    "type": ("type",),
    "tags": ("tags",),
    "assignee_id": ("assignee_id",),
    "created_at": ("created_at",),
    "updated_at": ("updated_at",),
    "solved_at": ("solved_at",),
    "first_reply_minutes": ("metrics", "first_reply_minutes"),
    "full_resolution_minutes": ("metrics", "full_resolution_minutes"),
    "agent_work_minutes": ("metrics", "agent_work_minutes"),
    "reopens": ("metrics", "reopens"),
    "replies": ("metrics", "replies"),
    "satisfaction": ("satisfaction",),
    "sla_first_reply_target_minutes": ("sla_first_reply_target_minutes",),
}

EVENT_COLUMNS = _cols("event_id campaign_id email event timestamp url bounce_type")

FILES: tuple[ExportFile, ...] = (
    ExportFile(
        "crm/users.csv",
        "snapshot",
        _cols(
            "user_id full_name email role team manager_id territory hired_on is_active "
            "deactivated_on"
        ),
        ("user_id",),
    ),
    ExportFile(
        "crm/accounts.csv",
        "snapshot",
        _cols(
            "account_id name domain industry segment country owner_id created_at status "
            "inactive_since inactive_reason updated_at"
        ),
        ("account_id",),
        "updated_at",
    ),
    ExportFile(
        "crm/contacts.csv",
        "snapshot",
        _cols(
            "contact_id account_id first_name last_name email phone job_title buying_role "
            "created_at updated_at"
        ),
        ("contact_id",),
        "updated_at",
    ),
    ExportFile(
        "crm/leads.csv",
        "snapshot",
        _cols(
            "lead_id created_at first_name last_name email company_name source campaign_id "
            "referrer_account_id owner_id status qualified_at disqualified_reason converted_at "
            "converted_account_id converted_contact_id converted_deal_id updated_at"
        ),
        ("lead_id",),
        "updated_at",
    ),
    ExportFile(
        "crm/pipeline_stages.csv",
        "snapshot",
        _cols("pipeline_id pipeline_name stage_id stage_name stage_order probability stage_type"),
        ("stage_id",),
    ),
    ExportFile(
        "crm/deals.csv",
        "snapshot",
        _cols(
            "deal_id name account_id contact_id lead_id pipeline_id stage_id owner_id amount "
            "currency deal_type source created_at expected_close_date closed_at status "
            "lost_reason updated_at"
        ),
        ("deal_id",),
        "updated_at",
    ),
    ExportFile(
        "crm/deal_history.csv",
        "delta",
        _cols(
            "history_id deal_id changed_at stage_id amount currency expected_close_date owner_id"
        ),
        ("history_id",),
    ),
    ExportFile(
        "crm/activities.csv",
        "delta",
        _cols(
            "activity_id activity_type outcome user_id occurred_at status duration_minutes "
            "lead_id deal_id contact_id account_id subject notes"
        ),
        ("activity_id",),
    ),
    ExportFile(
        "crm/products.csv",
        "snapshot",
        _cols("product_id sku name family list_price unit_cost currency is_active"),
        ("product_id",),
    ),
    ExportFile(
        "crm/deal_line_items.csv",
        "snapshot",
        _cols("line_item_id deal_id product_id quantity unit_price discount_pct currency"),
        ("line_item_id",),
    ),
    ExportFile(
        "crm/quotes.csv",
        "snapshot",
        _cols("quote_id deal_id created_at sent_at status total_amount currency"),
        ("quote_id",),
    ),
    ExportFile(
        "crm/goals.csv",
        "snapshot",
        _cols(
            "goal_id name metric activity_type activity_outcomes scope pipeline_id period_1 "
            "target_1 period_2 target_2 currency starts_on ends_on"
        ),
        ("goal_id",),
    ),
    ExportFile(
        "crm/goal_assignments.csv",
        "snapshot",
        _cols("assignment_id goal_id user_id assigned_on"),
        ("assignment_id",),
    ),
    ExportFile(
        "email/campaigns.csv",
        "snapshot",
        _cols("campaign_id name list_id subject status sent_at cost currency"),
        ("campaign_id",),
    ),
    ExportFile(
        "email/list_members.csv",
        "snapshot",
        _cols("list_id email status subscribed_at unsubscribed_at"),
        ("list_id", "email"),
    ),
    ExportFile(
        "email/events.jsonl",
        "delta",
        EVENT_COLUMNS,
        ("event_id",),
        json_paths={c: (c,) for c in EVENT_COLUMNS},
    ),
    ExportFile(
        "payments/customers.csv",
        "snapshot",
        _cols("customer_id email name country created metadata_crm_account_id"),
        ("customer_id",),
    ),
    ExportFile(
        "payments/invoices.csv",
        "snapshot",
        _cols(
            "invoice_id customer_id number created due_date status currency subtotal tax total "
            "amount_paid period_start period_end"
        ),
        ("invoice_id",),
    ),
    ExportFile(
        "payments/invoice_lines.csv",
        "snapshot",
        _cols("line_id invoice_id product_sku description quantity unit_amount amount"),
        ("line_id",),
    ),
    ExportFile(
        "payments/charges.csv",
        "delta",
        _cols(
            "charge_id customer_id invoice_id created amount currency status fee description "
            "card_brand card_last4"
        ),
        ("charge_id",),
    ),
    ExportFile(
        "payments/refunds.csv",
        "delta",
        _cols("refund_id charge_id created amount currency reason status"),
        ("refund_id",),
    ),
    ExportFile(
        "support/tickets.jsonl",
        "delta",
        tuple(TICKET_PATHS),
        ("id",),
        "updated_at",
        json_paths=TICKET_PATHS,
    ),
    ExportFile(
        "support/calls.csv",
        "delta",
        _cols(
            "call_id ticket_id direction phone agent_id started_at wait_seconds talk_seconds "
            "abandoned is_callback"
        ),
        ("call_id",),
    ),
    ExportFile(
        "reference/fx_rates.csv", "delta", _cols("date currency rate"), ("date", "currency")
    ),
)

BY_PATH: dict[str, ExportFile] = {f.path: f for f in FILES}

# Lineage columns added to every raw table.
LINEAGE_COLUMNS = ("_batch_date", "_source_file", "_record_number")
