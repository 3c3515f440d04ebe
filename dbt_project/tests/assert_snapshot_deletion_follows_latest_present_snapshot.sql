{#
    exports.md: a snapshot key is deleted exactly when the latest batch in which its
    file was present (audit.file_loads) does not hold it (any record, quarantined ones
    included). Checked here with a formulation independent of resolve_snapshot(): the
    latest present snapshot, then membership. Returns the keys whose is_deleted
    disagrees.
#}
{{ config(meta={'dagster': {'ref': {'name': 'stg_crm__deals'}}}) }}

{%- set snapshots = [
    ('stg_crm__users', 'crm__users', 'crm/users.csv', 'user_id', 'user_id'),
    ('stg_crm__accounts', 'crm__accounts', 'crm/accounts.csv', 'account_id', 'account_id'),
    ('stg_crm__contacts', 'crm__contacts', 'crm/contacts.csv', 'contact_id', 'contact_id'),
    ('stg_crm__leads', 'crm__leads', 'crm/leads.csv', 'lead_id', 'lead_id'),
    ('stg_crm__deals', 'crm__deals', 'crm/deals.csv', 'deal_id', 'deal_id'),
    ('stg_crm__deal_line_items', 'crm__deal_line_items', 'crm/deal_line_items.csv', 'line_item_id', 'line_item_id'),
    ('stg_crm__quotes', 'crm__quotes', 'crm/quotes.csv', 'quote_id', 'quote_id'),
    ('stg_payments__customers', 'payments__customers', 'payments/customers.csv', 'customer_id', 'customer_id'),
    ('stg_payments__invoices', 'payments__invoices', 'payments/invoices.csv', 'invoice_id', 'invoice_id'),
] -%}

{% for model_name, raw_table, source_file, raw_key, model_key in snapshots %}
select
    '{{ model_name }}' as model_name,
    staged.{{ model_key }} as key_value,
    staged.is_deleted
from {{ ref(model_name) }} as staged
where staged.is_deleted <> not exists (
    select 1
    from {{ source('raw', raw_table) }} as raw_records
    where raw_records.{{ raw_key }} = staged.{{ model_key }}
        and raw_records._batch_date = (
            select max(batch_date)
            from {{ source('audit', 'file_loads') }}
            where source_file = '{{ source_file }}'
        )
)
{% if not loop.last %}union all{% endif %}
{% endfor %}
