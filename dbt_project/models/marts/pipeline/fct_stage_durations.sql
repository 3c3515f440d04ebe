{#
    One row per stage visit of a (not deleted) deal. The last visit is current: no exit,
    and its duration runs to the as-of time when its stage is open, null when it is won
    or lost (terminal). `is_inferred`: the visit starts at the row assumed by the v1.3
    rule "the deal record is the truth about its current state" (int_deal_history_ordered).
#}
with

visits as (
    select * from {{ ref('int_deal_visits_grouped') }}
),

deals as (
    select * from {{ ref('stg_crm__deals') }}
),

stages as (
    select * from {{ ref('stg_crm__pipeline_stages') }}
),

visits_of_live_deals as (
    select visits.*
    from visits
    inner join deals
        on visits.deal_id = deals.deal_id
    where not deals.is_deleted
),

visits_classified as (
    select
        visits_of_live_deals.*,
        case
            when visits_of_live_deals.next_stage_id is null then null
            when visits_of_live_deals.stage_type in ('won', 'lost') and next_stages.stage_type = 'open' then 'reopened'
            when next_stages.stage_type in ('won', 'lost') then next_stages.stage_type
            when next_stages.stage_order > visits_of_live_deals.stage_order then 'advanced'
            when next_stages.stage_order < visits_of_live_deals.stage_order then 'regressed'
        end as exit_type
    from visits_of_live_deals
    left join stages as next_stages
        on visits_of_live_deals.next_stage_id = next_stages.stage_id
),

final as (
    select
        visits_classified.deal_id,
        coalesce(visits_classified.pipeline_id, deals.pipeline_id) as pipeline_id,
        case when stages.stage_id is not null then visits_classified.stage_id else 'unknown' end as stage_id,
        visits_classified.visit_sequence,
        visits_classified.visit_number,
        visits_classified.next_stage_id,
        visits_classified.exit_type,
        case
            when visits_classified.exited_at is not null
                then {{ days_between('visits_classified.entered_at', 'visits_classified.exited_at') }}
            when visits_classified.stage_type = 'open'
                then {{ days_between('visits_classified.entered_at', as_of_at()) }}
        end as duration_days,
        visits_classified.is_current,
        coalesce(visits_classified.is_inferred, false) as is_inferred,
        visits_classified.entered_at,
        visits_classified.exited_at
    from visits_classified
    left join stages
        on visits_classified.stage_id = stages.stage_id
    left join deals
        on visits_classified.deal_id = deals.deal_id
)

select * from final
