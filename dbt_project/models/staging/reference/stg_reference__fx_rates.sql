{# Key (date, currency): resolution runs on the exported text of the key. #}
with resolved as (
    {{ resolve_delta(
        relation=source('raw', 'reference__fx_rates'),
        source_file='reference/fx_rates.csv',
        key_columns=['date', 'currency'],
    ) }}
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
