{#
    One row per invoice, its current version (deleted invoices left out). Money in major
    units of the invoice currency (staging applies the ISO 4217 exponent, so JPY has
    none), and in the reporting currency at the invoice's `created` date. The account is
    the payment customer's, through map_payment_customer (null when unmatched: the
    money stays visible). `is_revenue`: the status counts as invoiced revenue (open,
    paid, uncollectible).
#}
with

invoices as (
    select * from {{ ref('stg_payments__invoices') }}
),

customers as (
    select * from {{ ref('map_payment_customer') }}
),

invoices_dated as (
    select
        invoices.*,
        {{ to_reporting_date('invoices.created_at') }} as invoice_date
    from invoices
    where not invoices.is_deleted
),

final as (
    select
        invoices_dated.invoice_id,
        invoices_dated.customer_id,
        customers.account_id,
        invoices_dated.invoice_number,
        invoices_dated.status,
        invoices_dated.currency,
        invoices_dated.subtotal,
        invoices_dated.tax,
        invoices_dated.total,
        invoices_dated.amount_paid,
        cast({{ convert_currency('invoices_dated.subtotal', 'invoices_dated.currency', 'fx') }} as {{ type_double() }}) as subtotal_rc,
        cast({{ convert_currency('invoices_dated.tax', 'invoices_dated.currency', 'fx') }} as {{ type_double() }}) as tax_rc,
        cast({{ convert_currency('invoices_dated.total', 'invoices_dated.currency', 'fx') }} as {{ type_double() }}) as total_rc,
        cast({{ convert_currency('invoices_dated.amount_paid', 'invoices_dated.currency', 'fx') }} as {{ type_double() }}) as amount_paid_rc,
        coalesce(invoices_dated.status in ('open', 'paid', 'uncollectible'), false) as is_revenue,
        invoices_dated.invoice_date,
        cast({{ dbt.date_trunc('month', 'invoices_dated.invoice_date') }} as date) as month_start,
        invoices_dated.due_date,
        invoices_dated.period_start,
        invoices_dated.period_end,
        invoices_dated.created_at
    from invoices_dated
    left join customers
        on invoices_dated.customer_id = customers.customer_id
    {{ fx_joins('invoices_dated.currency', 'invoices_dated.invoice_date', 'fx') }}
)

select * from final
