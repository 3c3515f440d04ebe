{#
    One row per stage visit of a deal (consecutive history rows in the same stage):
    entered at its first row, exited when the next visit starts; `visit_number` counts the
    deal's visits to that stage. The first row's owner is the owner who moved the deal
    into the stage (owner at close for a final won/lost visit). `is_inferred`: the visit
    starts at the row assumed by the v1.3 rule (int_deal_history_ordered).
#}
with

history as (
    select * from {{ ref('int_deal_history_ordered') }}
),

stages as (
    select * from {{ ref('stg_crm__pipeline_stages') }}
),

visit_starts as (
    select
        deal_id,
        visit_sequence,
        history_id as first_history_id,
        stage_id,
        owner_id as entered_by_owner_id,
        is_inferred,
        changed_at as entered_at
    from history
    where is_visit_start
),

visits_numbered as (
    select
        visit_starts.deal_id,
        visit_starts.visit_sequence,
        visit_starts.first_history_id,
        visit_starts.stage_id,
        stages.pipeline_id,
        stages.stage_type,
        stages.stage_order,
        visit_starts.entered_by_owner_id,
        visit_starts.is_inferred,
        cast(row_number() over (
            partition by visit_starts.deal_id, visit_starts.stage_id
            order by visit_starts.visit_sequence
        ) as {{ dbt.type_bigint() }}) as visit_number,
        lead(visit_starts.stage_id) over (
            partition by visit_starts.deal_id order by visit_starts.visit_sequence
        ) as next_stage_id,
        visit_starts.entered_at,
        lead(visit_starts.entered_at) over (
            partition by visit_starts.deal_id order by visit_starts.visit_sequence
        ) as exited_at,
        max(visit_starts.visit_sequence) over (
            partition by visit_starts.deal_id
        ) as last_visit_sequence
    from visit_starts
    left join stages
        on visit_starts.stage_id = stages.stage_id
),

final as (
    select
        deal_id,
        visit_sequence,
        first_history_id,
        stage_id,
        pipeline_id,
        stage_type,
        stage_order,
        entered_by_owner_id,
        visit_number,
        next_stage_id,
        visit_sequence = last_visit_sequence as is_current,
        coalesce(is_inferred, false) as is_inferred,
        entered_at,
        exited_at
    from visits_numbered
)

select * from final
