{#
    Nothing is dropped silently: every key of a raw table that has at least one record
    outside audit.quarantine has exactly one row in its staging model (deleted snapshot
    keys included). Returns the keys that are missing.
#}
{{ config(meta={'dagster': {'ref': {'name': 'stg_crm__deals'}}}) }}

{%- set models = [
    ('stg_crm__accounts', 'crm__accounts', 'crm/accounts.csv', 'account_id', 'account_id'),
    ('stg_crm__deals', 'crm__deals', 'crm/deals.csv', 'deal_id', 'deal_id'),
    ('stg_crm__deal_history', 'crm__deal_history', 'crm/deal_history.csv', 'history_id', 'history_id'),
    ('stg_crm__activities', 'crm__activities', 'crm/activities.csv', 'activity_id', 'activity_id'),
    ('stg_email__events', 'email__events', 'email/events.jsonl', 'event_id', 'event_id'),
    ('stg_payments__charges', 'payments__charges', 'payments/charges.csv', 'charge_id', 'charge_id'),
    ('stg_payments__refunds', 'payments__refunds', 'payments/refunds.csv', 'refund_id', 'refund_id'),
    ('stg_payments__invoices', 'payments__invoices', 'payments/invoices.csv', 'invoice_id', 'invoice_id'),
    ('stg_support__tickets', 'support__tickets', 'support/tickets.jsonl', 'id', 'ticket_id'),
] -%}

{% for model_name, raw_table, source_file, raw_key, model_key in models %}
select distinct
    '{{ model_name }}' as model_name,
    raw_records.{{ raw_key }} as key_value
from {{ source('raw', raw_table) }} as raw_records
left join {{ source('audit', 'quarantine') }} as quarantine
    on quarantine.source_file = '{{ source_file }}'
    and quarantine.batch_date = raw_records._batch_date
    and quarantine.record_number = raw_records._record_number
left join {{ ref(model_name) }} as staged
    on staged.{{ model_key }} = raw_records.{{ raw_key }}
where raw_records.{{ raw_key }} is not null
    and quarantine.record_number is null
    and staged.{{ model_key }} is null
{% if not loop.last %}union all{% endif %}
{% endfor %}
