with resolved as (
    select * from {{ ref('base_crm__deal_line_items') }}
),

final as (
    select
        line_item_id,
        {{ clean_text('deal_id') }} as deal_id,
        {{ clean_text('product_id') }} as product_id,
        {{ normalise_currency('currency') }} as currency,
        {{ parse_integer('quantity') }} as quantity,
        {{ parse_decimal('unit_price') }} as unit_price,
        {{ parse_decimal('discount_pct') }} as discount_pct,
        {{ deletion_columns() }},
        {{ lineage_columns() }}
    from resolved
)

select * from final
