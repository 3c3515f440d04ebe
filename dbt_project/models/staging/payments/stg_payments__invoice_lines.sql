{#
    Invoice line amounts are in their invoice's currency, which this file does not carry
    (exports.md: "invoice line amounts in their invoice's"). To give major units here,
    like every other payments model, the currency is looked up on the current version of
    the invoice (its base model, base_payments__invoices, as stg_payments__invoices reads).
    This is the one look-up across export files in staging: without it the line's money has
    no unit. The minor units are kept too, for lines whose invoice is unknown.
#}
with resolved as (
    select * from {{ ref('base_payments__invoice_lines') }}
),

invoices_resolved as (
    select * from {{ ref('base_payments__invoices') }}
),

invoice_currencies as (
    select
        invoice_id,
        {{ normalise_currency('currency') }} as currency
    from invoices_resolved
),

final as (
    select
        resolved.line_id,
        {{ clean_text('resolved.invoice_id') }} as invoice_id,
        {{ clean_text('resolved.product_sku') }} as product_sku,
        {{ clean_text('resolved.description') }} as description,
        invoice_currencies.currency,
        {{ parse_integer('resolved.quantity') }} as quantity,
        {{ minor_to_major(parse_integer('resolved.unit_amount'), 'invoice_currencies.currency') }} as unit_amount,
        {{ minor_to_major(parse_integer('resolved.amount'), 'invoice_currencies.currency') }} as amount,
        {{ parse_integer('resolved.unit_amount') }} as unit_amount_minor,
        {{ parse_integer('resolved.amount') }} as amount_minor,
        {{ deletion_columns('resolved') }},
        {{ lineage_columns('resolved') }}
    from resolved
    left join invoice_currencies
        on resolved.invoice_id = invoice_currencies.invoice_id
)

select * from final
