with resolved as (
    select * from {{ ref('base_payments__charges') }}
),

final as (
    select
        charge_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('invoice_id') }} as invoice_id,
        {{ normalise_enum('status', category_values('charge_statuses')) }} as status,
        {{ clean_text('description') }} as description,
        lower({{ clean_text('card_brand') }}) as card_brand,
        case
            when {{ regex_full_match('trim(card_last4)', contract_format('last4')) }} then trim(card_last4)
        end as card_last4,
        {{ normalise_currency('currency') }} as currency,
        {{ minor_to_major(parse_integer('amount'), 'currency') }} as amount,
        {{ minor_to_major(parse_integer('fee'), 'currency') }} as fee,
        {{ parse_payments_timestamp('created') }} as created_at,
        {{ lineage_columns() }}
    from resolved
)

select * from final
