{#
    One row per (not deleted) deal x open stage of its pipeline that the deal reached
    (docs/marts.md, rpt_stage_conversion): it ever visited the stage or an open
    stage of higher order, or its current status is won (skipped stages count as
    passed). `is_advanced`: it also reached the next open stage in order (for the last
    open stage: it is currently won). rpt_stage_conversion and rpt_account_stage_reach
    both count these rows.
#}
with

deals as (
    select * from {{ ref('stg_crm__deals') }}
),

visits as (
    select * from {{ ref('int_deal_visits_grouped') }}
),

stages as (
    select * from {{ ref('stg_crm__pipeline_stages') }}
),

open_stages as (
    select
        pipeline_id,
        stage_id,
        stage_order,
        lead(stage_order) over (partition by pipeline_id order by stage_order) as next_open_stage_order
    from stages
    where stage_type = 'open'
),

highest_open_visit as (
    select
        deal_id,
        max(stage_order) as max_open_stage_order
    from visits
    where stage_type = 'open'
    group by deal_id
),

deal_progress as (
    select
        deals.deal_id,
        deals.pipeline_id,
        deals.status = 'won' as is_won,
        highest_open_visit.max_open_stage_order
    from deals
    left join highest_open_visit
        on deals.deal_id = highest_open_visit.deal_id
    where not deals.is_deleted
),

final as (
    select
        deal_progress.deal_id,
        open_stages.pipeline_id,
        open_stages.stage_id,
        open_stages.stage_order,
        coalesce(
            deal_progress.is_won or deal_progress.max_open_stage_order >= open_stages.next_open_stage_order,
            false
        ) as is_advanced
    from deal_progress
    inner join open_stages
        on deal_progress.pipeline_id = open_stages.pipeline_id
        and (deal_progress.is_won or deal_progress.max_open_stage_order >= open_stages.stage_order)
)

select * from final
