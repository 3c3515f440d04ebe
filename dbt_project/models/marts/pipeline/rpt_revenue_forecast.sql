{#
    Deals open at the as-of time by expected close month, pipeline, current owner, account
    segment and source; the rules (forecast month, weights) live in fct_deal_forecast.
#}
with

open_deals as (
    select * from {{ ref('fct_deal_forecast') }}
),

final as (
    select
        forecast_month,
        pipeline_id,
        owner_id,
        segment,
        source,
        count(*) as open_deals,
        coalesce(sum(amount_rc), 0) as pipeline_rc,
        coalesce(sum(weighted_rc), 0) as weighted_rc,
        coalesce(sum(historical_weighted_rc), 0) as historical_weighted_rc
    from open_deals
    group by 1, 2, 3, 4, 5
)

select * from final
