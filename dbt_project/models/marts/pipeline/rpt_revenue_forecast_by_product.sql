{#
    The revenue forecast by product: each open deal of fct_deal_forecast is split over the
    products of its current offer (deal line items) in proportion to each line's value,
    quantity × unit_price × (1 − discount_pct / 100). A deal without line items (or whose
    lines are worth 0) counts whole under the 'unknown' product. Summed over products, the
    amounts equal rpt_revenue_forecast's (tested).
#}
with

open_deals as (
    select * from {{ ref('fct_deal_forecast') }}
),

line_items as (
    select * from {{ ref('stg_crm__deal_line_items') }}
),

products as (
    select * from {{ ref('dim_product') }}
),

line_values as (
    select
        line_items.deal_id,
        coalesce(products.product_id, 'unknown') as product_id,
        line_items.quantity * line_items.unit_price * (1 - coalesce(line_items.discount_pct, 0) / 100)
            as line_value
    from line_items
    left join products
        on line_items.product_id = products.product_id
    where not line_items.is_deleted
        and line_items.quantity > 0
        and line_items.unit_price >= 0
),

product_values as (
    select
        deal_id,
        product_id,
        sum(line_value) as product_value
    from line_values
    group by deal_id, product_id
),

deal_values as (
    select
        deal_id,
        sum(product_value) as deal_value
    from product_values
    group by deal_id
),

product_shares as (
    select
        product_values.deal_id,
        product_values.product_id,
        cast(product_values.product_value as {{ type_double() }}) / deal_values.deal_value as share
    from product_values
    inner join deal_values
        on product_values.deal_id = deal_values.deal_id
    where deal_values.deal_value > 0
),

deal_products as (
    select
        open_deals.*,
        coalesce(product_shares.product_id, 'unknown') as product_id,
        coalesce(product_shares.share, 1.0) as share
    from open_deals
    left join product_shares
        on open_deals.deal_id = product_shares.deal_id
),

final as (
    select
        forecast_month,
        product_id,
        pipeline_id,
        owner_id,
        segment,
        source,
        count(distinct deal_id) as open_deals,
        coalesce(sum(amount_rc * share), 0) as pipeline_rc,
        coalesce(sum(weighted_rc * share), 0) as weighted_rc,
        coalesce(sum(historical_weighted_rc * share), 0) as historical_weighted_rc
    from deal_products
    group by 1, 2, 3, 4, 5, 6
)

select * from final
