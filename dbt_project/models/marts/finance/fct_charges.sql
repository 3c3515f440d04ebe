{#
    One row per card charge (every status). Amount and fee in major units of the charge
    currency and in the reporting currency at the charge's date. Guest charges (no
    customer) and unmatched customers have a null account_id: the money stays visible.
#}
with

charges as (
    select * from {{ ref('stg_payments__charges') }}
),

customers as (
    select * from {{ ref('map_payment_customer') }}
),

charges_dated as (
    select
        charges.*,
        {{ to_reporting_date('charges.created_at') }} as charge_date
    from charges
),

final as (
    select
        charges_dated.charge_id,
        charges_dated.customer_id,
        customers.account_id,
        charges_dated.invoice_id,
        charges_dated.status,
        charges_dated.card_brand,
        charges_dated.currency,
        charges_dated.amount,
        charges_dated.fee,
        cast({{ convert_currency('charges_dated.amount', 'charges_dated.currency', 'fx') }} as {{ type_double() }}) as amount_rc,
        cast({{ convert_currency('charges_dated.fee', 'charges_dated.currency', 'fx') }} as {{ type_double() }}) as fee_rc,
        charges_dated.customer_id is null as is_guest,
        charges_dated.charge_date,
        cast({{ dbt.date_trunc('month', 'charges_dated.charge_date') }} as date) as month_start,
        charges_dated.created_at
    from charges_dated
    left join customers
        on charges_dated.customer_id = customers.customer_id
    {{ fx_joins('charges_dated.currency', 'charges_dated.charge_date', 'fx') }}
)

select * from final
