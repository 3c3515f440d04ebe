with resolved as (
    select * from {{ ref('base_crm__products') }}
),

final as (
    select
        product_id,
        {{ clean_text('sku') }} as sku,
        {{ clean_text('name') }} as product_name,
        {{ clean_text('family') }} as family,
        {{ normalise_currency('currency') }} as currency,
        {{ parse_decimal('list_price') }} as list_price,
        {{ parse_decimal('unit_cost') }} as unit_cost,
        {{ parse_boolean('is_active') }} as is_active,
        {{ deletion_columns() }},
        {{ lineage_columns() }}
    from resolved
)

select * from final
