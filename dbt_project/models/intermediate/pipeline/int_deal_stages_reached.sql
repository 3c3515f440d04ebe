{#
    One row per (not deleted) deal x open stage of its pipeline that the deal reached
    (docs/marts.md, rpt_stage_conversion): it ever visited the stage or an open
    stage of higher order, or its current status is won (skipped stages count as
    passed). `is_advanced`: it also reached the next open stage in order (for the last
    open stage: it is currently won). `reached_at`: the start of the deal's first visit to
    the stage or to an open stage of higher order, or its first move into a won stage,
    whichever is earliest. fct_deal_stage_reached publishes these rows
    (rpt_stage_conversion counts them) and rpt_account_stage_reach counts them.
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
        lead(stage_order) over (partition by pipeline_id order by stage_order nulls last) as next_open_stage_order
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

stages_reached as (
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
),

reach_times as (
    select
        stages_reached.deal_id,
        stages_reached.stage_id,
        min(visits.entered_at) as reached_at
    from stages_reached
    inner join visits
        on stages_reached.deal_id = visits.deal_id
        and (
            visits.stage_type = 'won'
            or (visits.stage_type = 'open' and visits.stage_order >= stages_reached.stage_order)
        )
    group by stages_reached.deal_id, stages_reached.stage_id
),

final as (
    select
        stages_reached.deal_id,
        stages_reached.pipeline_id,
        stages_reached.stage_id,
        stages_reached.stage_order,
        stages_reached.is_advanced,
        reach_times.reached_at
    from stages_reached
    left join reach_times
        on stages_reached.deal_id = reach_times.deal_id
        and stages_reached.stage_id = reach_times.stage_id
)

select * from final
