{#
    GENERATED from orchestration/lib/contract.py by `python -m orchestration.lib.dbt_contract --write`:
    do not edit by hand, edit orchestration/lib/contract.py and run it again.
    tests/test_dbt_contract.py fails when this file is out of date.

    The contract of every export file, as `meta.contract` of its source table carries
    it (plus its contract columns), by `source_name.table_name`. source_contract()
    (macros/resolution.sql) reads the source's meta through `graph` and checks it
    against this copy; it uses this copy where dbt gives no `graph`: while parsing
    (so that a base model declares the sources it reads) and in unit tests.
#}
{% macro contract_source_tables() -%}
    {{ return({
        'crm.users': {'file': 'crm/users.csv', 'kind': 'snapshot', 'key': ['user_id'], 'updated_at': none, 'columns': ['user_id', 'full_name', 'email', 'role', 'team', 'manager_id', 'territory', 'hired_on', 'is_active', 'deactivated_on']},
        'crm.accounts': {'file': 'crm/accounts.csv', 'kind': 'snapshot', 'key': ['account_id'], 'updated_at': 'updated_at', 'columns': ['account_id', 'name', 'domain', 'industry', 'segment', 'country', 'owner_id', 'created_at', 'status', 'inactive_since', 'inactive_reason', 'updated_at']},
        'crm.contacts': {'file': 'crm/contacts.csv', 'kind': 'snapshot', 'key': ['contact_id'], 'updated_at': 'updated_at', 'columns': ['contact_id', 'account_id', 'first_name', 'last_name', 'email', 'phone', 'job_title', 'buying_role', 'created_at', 'updated_at']},
        'crm.leads': {'file': 'crm/leads.csv', 'kind': 'snapshot', 'key': ['lead_id'], 'updated_at': 'updated_at', 'columns': ['lead_id', 'created_at', 'first_name', 'last_name', 'email', 'company_name', 'source', 'campaign_id', 'referrer_account_id', 'owner_id', 'status', 'qualified_at', 'disqualified_reason', 'converted_at', 'converted_account_id', 'converted_contact_id', 'converted_deal_id', 'updated_at']},
        'crm.pipeline_stages': {'file': 'crm/pipeline_stages.csv', 'kind': 'snapshot', 'key': ['stage_id'], 'updated_at': none, 'columns': ['pipeline_id', 'pipeline_name', 'stage_id', 'stage_name', 'stage_order', 'probability', 'stage_type']},
        'crm.deals': {'file': 'crm/deals.csv', 'kind': 'snapshot', 'key': ['deal_id'], 'updated_at': 'updated_at', 'columns': ['deal_id', 'name', 'account_id', 'contact_id', 'lead_id', 'pipeline_id', 'stage_id', 'owner_id', 'amount', 'currency', 'deal_type', 'source', 'created_at', 'expected_close_date', 'closed_at', 'status', 'lost_reason', 'updated_at']},
        'crm.deal_history': {'file': 'crm/deal_history.csv', 'kind': 'delta', 'key': ['history_id'], 'updated_at': none, 'columns': ['history_id', 'deal_id', 'changed_at', 'stage_id', 'amount', 'currency', 'expected_close_date', 'owner_id']},
        'crm.activities': {'file': 'crm/activities.csv', 'kind': 'delta', 'key': ['activity_id'], 'updated_at': none, 'columns': ['activity_id', 'activity_type', 'outcome', 'user_id', 'occurred_at', 'status', 'duration_minutes', 'lead_id', 'deal_id', 'contact_id', 'account_id', 'subject', 'notes']},
        'crm.products': {'file': 'crm/products.csv', 'kind': 'snapshot', 'key': ['product_id'], 'updated_at': none, 'columns': ['product_id', 'sku', 'name', 'family', 'list_price', 'unit_cost', 'currency', 'is_active']},
        'crm.deal_line_items': {'file': 'crm/deal_line_items.csv', 'kind': 'snapshot', 'key': ['line_item_id'], 'updated_at': none, 'columns': ['line_item_id', 'deal_id', 'product_id', 'quantity', 'unit_price', 'discount_pct', 'currency']},
        'crm.quotes': {'file': 'crm/quotes.csv', 'kind': 'snapshot', 'key': ['quote_id'], 'updated_at': none, 'columns': ['quote_id', 'deal_id', 'created_at', 'sent_at', 'status', 'total_amount', 'currency']},
        'crm.goals': {'file': 'crm/goals.csv', 'kind': 'snapshot', 'key': ['goal_id'], 'updated_at': none, 'columns': ['goal_id', 'name', 'metric', 'activity_type', 'activity_outcomes', 'scope', 'pipeline_id', 'period_1', 'target_1', 'period_2', 'target_2', 'currency', 'starts_on', 'ends_on']},
        'crm.goal_assignments': {'file': 'crm/goal_assignments.csv', 'kind': 'snapshot', 'key': ['assignment_id'], 'updated_at': none, 'columns': ['assignment_id', 'goal_id', 'user_id', 'assigned_on']},
        'email.campaigns': {'file': 'email/campaigns.csv', 'kind': 'snapshot', 'key': ['campaign_id'], 'updated_at': none, 'columns': ['campaign_id', 'name', 'list_id', 'subject', 'status', 'sent_at', 'cost', 'currency']},
        'email.list_members': {'file': 'email/list_members.csv', 'kind': 'snapshot', 'key': ['list_id', 'email'], 'updated_at': none, 'columns': ['list_id', 'email', 'status', 'subscribed_at', 'unsubscribed_at']},
        'email.events': {'file': 'email/events.jsonl', 'kind': 'delta', 'key': ['event_id'], 'updated_at': none, 'columns': ['event_id', 'campaign_id', 'email', 'event', 'timestamp', 'url', 'bounce_type']},
        'payments.customers': {'file': 'payments/customers.csv', 'kind': 'snapshot', 'key': ['customer_id'], 'updated_at': none, 'columns': ['customer_id', 'email', 'name', 'country', 'created', 'metadata_crm_account_id']},
        'payments.invoices': {'file': 'payments/invoices.csv', 'kind': 'snapshot', 'key': ['invoice_id'], 'updated_at': none, 'columns': ['invoice_id', 'customer_id', 'number', 'created', 'due_date', 'status', 'currency', 'subtotal', 'tax', 'total', 'amount_paid', 'period_start', 'period_end']},
        'payments.invoice_lines': {'file': 'payments/invoice_lines.csv', 'kind': 'snapshot', 'key': ['line_id'], 'updated_at': none, 'columns': ['line_id', 'invoice_id', 'product_sku', 'description', 'quantity', 'unit_amount', 'amount']},
        'payments.charges': {'file': 'payments/charges.csv', 'kind': 'delta', 'key': ['charge_id'], 'updated_at': none, 'columns': ['charge_id', 'customer_id', 'invoice_id', 'created', 'amount', 'currency', 'status', 'fee', 'description', 'card_brand', 'card_last4']},
        'payments.refunds': {'file': 'payments/refunds.csv', 'kind': 'delta', 'key': ['refund_id'], 'updated_at': none, 'columns': ['refund_id', 'charge_id', 'created', 'amount', 'currency', 'reason', 'status']},
        'support.tickets': {'file': 'support/tickets.jsonl', 'kind': 'delta', 'key': ['id'], 'updated_at': 'updated_at', 'columns': ['id', 'subject', 'description', 'requester_email', 'requester_name', 'channel', 'priority', 'status', 'type', 'tags', 'assignee_id', 'created_at', 'updated_at', 'solved_at', 'first_reply_minutes', 'full_resolution_minutes', 'agent_work_minutes', 'reopens', 'replies', 'satisfaction', 'sla_first_reply_target_minutes']},
        'support.calls': {'file': 'support/calls.csv', 'kind': 'delta', 'key': ['call_id'], 'updated_at': none, 'columns': ['call_id', 'ticket_id', 'direction', 'phone', 'agent_id', 'started_at', 'wait_seconds', 'talk_seconds', 'abandoned', 'is_callback']},
        'reference.fx_rates': {'file': 'reference/fx_rates.csv', 'kind': 'delta', 'key': ['date', 'currency'], 'updated_at': none, 'columns': ['date', 'currency', 'rate']},
    }) }}
{%- endmacro %}
