{#
    Active and inactive accounts that reached each open stage (forecasting article): one
    row per (account, open stage) the account reached with at least one not-deleted deal,
    with the account's status and the reason it became inactive. Reached as in
    rpt_stage_conversion: a visit to the stage or to a higher open stage, or a won deal.
#}
with

deals as (
    select * from {{ ref('fct_deals') }}
),

visits as (
    select * from {{ ref('fct_stage_durations') }}
),

stages as (
    select * from {{ ref('stg_crm__pipeline_stages') }}
),

accounts as (
    select * from {{ ref('dim_account') }}
),

highest_open_visit as (
    select
        visits.deal_id,
        max(stages.stage_order) as max_open_stage_order
    from visits
    inner join stages
        on visits.stage_id = stages.stage_id
    where stages.stage_type = 'open'
    group by visits.deal_id
),

deals_reached as (
    select
        deals.account_id,
        stages.pipeline_id,
        stages.stage_id,
        stages.stage_order,
        deals.deal_id,
        deals.created_at
    from deals
    left join highest_open_visit
        on deals.deal_id = highest_open_visit.deal_id
    inner join stages
        on deals.pipeline_id = stages.pipeline_id
        and stages.stage_type = 'open'
        and (deals.status = 'won' or highest_open_visit.max_open_stage_order >= stages.stage_order)
    where not deals.is_deleted
),

final as (
    select
        deals_reached.account_id,
        deals_reached.pipeline_id,
        deals_reached.stage_id,
        deals_reached.stage_order,
        accounts.status as account_status,
        accounts.inactive_reason,
        count(distinct deals_reached.deal_id) as deals_reached,
        coalesce(accounts.status = 'inactive', false) as is_inactive,
        accounts.inactive_since,
        min(deals_reached.created_at) as first_deal_created_at
    from deals_reached
    left join accounts
        on deals_reached.account_id = accounts.account_id
    group by 1, 2, 3, 4, 5, 6, 8, 9
)

select * from final
