with

products as (
    select * from {{ ref('stg_crm__products') }}
),

known_products as (
    select
        product_id,
        sku,
        product_name,
        family,
        currency,
        list_price,
        unit_cost,
        is_active,
        is_deleted,
        deleted_at
    from products
),

final as (
    {{ union_unknown_member('known_products', {'product_id': 'unknown', 'product_name': 'Unknown'}) }}
)

select * from final
