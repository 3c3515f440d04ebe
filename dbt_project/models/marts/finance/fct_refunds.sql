{#
    One row per refund (every status), in major units of its currency and in the
    reporting currency at the refund's date. The account is that of the refunded
    charge's customer (null for guest charges and unmatched customers).
    `amount_net_of_tax_rc` is the refund without the tax it gives back: amount_rc ×
    subtotal ÷ total of the charge's invoice (the whole refund when the charge has no
    invoice, or an invoice without a positive total): what profitability deducts from
    revenue.
#}
with

refunds as (
    select * from {{ ref('stg_payments__refunds') }}
),

charges as (
    select * from {{ ref('stg_payments__charges') }}
),

invoices as (
    select * from {{ ref('stg_payments__invoices') }}
),

customers as (
    select * from {{ ref('map_payment_customer') }}
),

refunds_linked as (
    select
        refunds.*,
        charges.customer_id,
        charges.invoice_id,
        case
            when invoices.total > 0 then cast(invoices.subtotal as {{ type_double() }}) / cast(invoices.total as {{ type_double() }})
            else 1.0
        end as net_of_tax_share,
        {{ to_reporting_date('refunds.created_at') }} as refund_date
    from refunds
    left join charges
        on refunds.charge_id = charges.charge_id
    left join invoices
        on charges.invoice_id = invoices.invoice_id
        and not invoices.is_deleted
),

final as (
    select
        refunds_linked.refund_id,
        refunds_linked.charge_id,
        refunds_linked.customer_id,
        customers.account_id,
        refunds_linked.invoice_id,
        refunds_linked.status,
        refunds_linked.reason,
        refunds_linked.currency,
        refunds_linked.amount,
        cast({{ convert_currency('refunds_linked.amount', 'refunds_linked.currency', 'fx') }} as {{ type_double() }}) as amount_rc,
        cast(
            {{ convert_currency('refunds_linked.amount', 'refunds_linked.currency', 'fx') }} * refunds_linked.net_of_tax_share
            as {{ type_double() }}
        ) as amount_net_of_tax_rc,
        refunds_linked.refund_date,
        cast({{ dbt.date_trunc('month', 'refunds_linked.refund_date') }} as date) as month_start,
        refunds_linked.created_at
    from refunds_linked
    left join customers
        on refunds_linked.customer_id = customers.customer_id
    {{ fx_joins('refunds_linked.currency', 'refunds_linked.refund_date', 'fx') }}
)

select * from final
