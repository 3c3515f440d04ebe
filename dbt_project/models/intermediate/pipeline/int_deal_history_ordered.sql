{#
    Deal history rows in order (changed_at, then history_id) with the stage-visit they
    belong to: a visit starts at the deal's first row and at every row whose stage differs
    from the previous row's (docs/marts.md, fct_stage_durations). Deleted deals are
    kept here (fct_deals needs them); the other marts filter them out.
#}
with

deal_history as (
    select * from {{ ref('stg_crm__deal_history') }}
),

history_ordered as (
    select
        history_id,
        deal_id,
        stage_id,
        owner_id,
        currency,
        amount,
        expected_close_date,
        changed_at,
        row_number() over (
            partition by deal_id order by changed_at, history_id
        ) as history_sequence,
        lag(stage_id) over (
            partition by deal_id order by changed_at, history_id
        ) as previous_stage_id,
        lead(changed_at) over (
            partition by deal_id order by changed_at, history_id
        ) as next_changed_at
    from deal_history
    where deal_id is not null
        and changed_at is not null
),

visit_starts_flagged as (
    select
        *,
        case
            when history_sequence = 1 then 1
            when stage_id is null and previous_stage_id is null then 0
            when stage_id is null or previous_stage_id is null then 1
            when stage_id <> previous_stage_id then 1
            else 0
        end as is_visit_start_flag
    from history_ordered
),

final as (
    select
        history_id,
        deal_id,
        stage_id,
        owner_id,
        currency,
        amount,
        history_sequence,
        cast(sum(is_visit_start_flag) over (
            partition by deal_id order by history_sequence
            rows between unbounded preceding and current row
        ) as {{ dbt.type_bigint() }}) as visit_sequence,
        is_visit_start_flag = 1 as is_visit_start,
        next_changed_at is null as is_latest,
        expected_close_date,
        changed_at,
        next_changed_at
    from visit_starts_flagged
)

select * from final
