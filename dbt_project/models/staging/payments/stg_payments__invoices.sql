with resolved as (
    select * from {{ ref('base_payments__invoices') }}
),

final as (
    select
        invoice_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text(adapter.quote('number')) }} as invoice_number,
        {{ normalise_enum('status', category_values('invoice_statuses')) }} as status,
        {{ normalise_currency('currency') }} as currency,
        {{ minor_to_major(parse_integer('subtotal'), 'currency') }} as subtotal,
        {{ minor_to_major(parse_integer('tax'), 'currency') }} as tax,
        {{ minor_to_major(parse_integer('total'), 'currency') }} as total,
        {{ minor_to_major(parse_integer('amount_paid'), 'currency') }} as amount_paid,
        {{ deletion_columns() }},
        {{ parse_date('due_date') }} as due_date,
        {{ parse_date('period_start') }} as period_start,
        {{ parse_date('period_end') }} as period_end,
        {{ parse_payments_timestamp('created') }} as created_at,
        {{ lineage_columns() }}
    from resolved
)

select * from final
