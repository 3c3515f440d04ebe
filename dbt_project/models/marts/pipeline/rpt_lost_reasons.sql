{#
    Deals currently lost (not deleted), by month of closed_at, reason category, stage at
    loss (the nearest open visit before the final lost visit), owner at close and source.
    `avg_days_open`: average closed_at - created_at.
#}
with

deals as (
    select * from {{ ref('fct_deals') }}
),

visits as (
    select * from {{ ref('int_deal_visits_grouped') }}
),

final_lost_visits as (
    select
        deal_id,
        max(visit_sequence) as lost_visit_sequence
    from visits
    where stage_type = 'lost'
    group by deal_id
),

open_visits_before_loss as (
    select
        visits.deal_id,
        visits.stage_id,
        row_number() over (
            partition by visits.deal_id order by visits.visit_sequence desc
        ) as nearness
    from visits
    inner join final_lost_visits
        on visits.deal_id = final_lost_visits.deal_id
        and visits.visit_sequence < final_lost_visits.lost_visit_sequence
    where visits.stage_type = 'open'
),

lost_deals as (
    select
        cast({{ dbt.date_trunc('month', to_reporting_date('deals.closed_at')) }} as date) as lost_month,
        deals.lost_reason_category,
        open_visits_before_loss.stage_id as stage_at_loss_id,
        deals.owner_at_close_id as owner_id,
        deals.source,
        deals.deal_id,
        deals.amount_rc,
        deals.sales_cycle_days
    from deals
    left join open_visits_before_loss
        on deals.deal_id = open_visits_before_loss.deal_id
        and open_visits_before_loss.nearness = 1
    where deals.status = 'lost'
        and not deals.is_deleted
),

final as (
    select
        lost_month,
        lost_reason_category,
        stage_at_loss_id,
        owner_id,
        source,
        count(*) as deals_lost,
        coalesce(sum(amount_rc), 0) as amount_lost_rc,
        avg(sales_cycle_days) as avg_days_open
    from lost_deals
    group by 1, 2, 3, 4, 5
)

select * from final
