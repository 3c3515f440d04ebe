{# Key (date, currency): the base model resolves on the exported text of the key. #}
with resolved as (
    select * from {{ ref('base_reference__fx_rates') }}
),

final as (
    select
        {{ normalise_currency('currency') }} as currency,
        {# units of `currency` for 1 EUR (ECB convention) #}
        {{ parse_decimal('rate') }} as rate,
        {{ parse_date(adapter.quote('date')) }} as rate_date,
        {{ lineage_columns() }}
    from resolved
)

select * from final
