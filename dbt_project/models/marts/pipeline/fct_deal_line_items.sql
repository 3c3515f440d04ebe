{#
    One row per line item of a (not deleted) deal's current offer (docs/marts.md v1.3):
    `line_amount = quantity x unit_price x (1 - discount_pct / 100)` (no discount when
    discount_pct is missing, as in rpt_revenue_forecast_by_product), converted at the
    deal's amount_rc date (closed_at for closed deals, the as-of date for open ones, as in
    fct_deals); `list_price` from the product, in the product's currency. Deleted line
    items and lines of deleted deals are left out; a product missing from dim_product is
    the unknown member. Loss by product = the lines of lost deals.
#}
with

line_items as (
    select * from {{ ref('stg_crm__deal_line_items') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

products as (
    select * from {{ ref('dim_product') }}
),

lines_dated as (
    select
        line_items.line_item_id,
        line_items.deal_id,
        line_items.product_id,
        line_items.quantity,
        line_items.unit_price,
        line_items.discount_pct,
        line_items.currency,
        deals.status as deal_status,
        cast(
            line_items.quantity * line_items.unit_price * (1 - coalesce(line_items.discount_pct, 0) / 100)
            as {{ dbt.type_numeric() }}
        ) as line_amount,
        case
            when deals.status in ('won', 'lost') then {{ to_reporting_date('deals.closed_at') }}
            else {{ as_of_date() }}
        end as conversion_date
    from line_items
    inner join deals
        on line_items.deal_id = deals.deal_id
    where not line_items.is_deleted
        and not deals.is_deleted
),

lines_converted as (
    select
        lines_dated.*,
        {{ convert_currency('lines_dated.line_amount', 'lines_dated.currency', 'fx_line') }} as line_amount_rc
    from lines_dated
    {{ fx_joins('lines_dated.currency', 'lines_dated.conversion_date', 'fx_line') }}
),

final as (
    select
        lines_converted.line_item_id,
        lines_converted.deal_id,
        case
            when products.product_id is not null then lines_converted.product_id
            else 'unknown'
        end as product_id,
        lines_converted.currency,
        lines_converted.deal_status,
        lines_converted.quantity,
        lines_converted.unit_price,
        products.list_price,
        lines_converted.discount_pct,
        lines_converted.line_amount,
        lines_converted.line_amount_rc
    from lines_converted
    left join products
        on lines_converted.product_id = products.product_id
)

select * from final
