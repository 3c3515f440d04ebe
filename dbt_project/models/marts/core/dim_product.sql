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

unknown_member as (
    select
        'unknown' as product_id,
        cast(null as {{ dbt.type_string() }}) as sku,
        'Unknown' as product_name,
        cast(null as {{ dbt.type_string() }}) as family,
        cast(null as {{ dbt.type_string() }}) as currency,
        cast(null as {{ dbt.type_numeric() }}) as list_price,
        cast(null as {{ dbt.type_numeric() }}) as unit_cost,
        false as is_active,
        false as is_deleted,
        cast(null as {{ dbt.type_timestamp() }}) as deleted_at
),

final as (
    select * from known_products
    union all
    select * from unknown_member
)

select * from final
