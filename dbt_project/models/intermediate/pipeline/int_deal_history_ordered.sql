{#
    Deal history rows in order (changed_at, then history_id) with the stage-visit they
    belong to: a visit starts at the deal's first row and at every row whose stage differs
    from the previous row's (docs/marts.md, fct_stage_durations). Deleted deals are
    kept here (fct_deals needs them); the other marts filter them out.

    v1.3, "the deal record is the truth about a deal's current state" (docs/marts.md,
    conventions), applied here once so that every mart reading the history agrees with
    fct_deals: when the latest kept history row of a deal has another stage_id than the
    deal record (the row that moved it there was quarantined), one more row is assumed
    after it (`is_inferred`): at closed_at for a closed deal, at updated_at for an open
    one, never before the latest kept row, with the deal's current stage_id, owner_id,
    amount, currency and expected_close_date. It sorts after a kept row of the same
    instant. Its history_id is 'inferred:' || deal_id. A deal without any kept history row
    gets no assumed row (the rule speaks of the latest kept row).
#}
with

deal_history as (
    select * from {{ ref('stg_crm__deal_history') }}
),

deals as (
    select * from {{ ref('stg_crm__deals') }}
),

kept_rows as (
    select
        history_id,
        deal_id,
        stage_id,
        owner_id,
        currency,
        amount,
        expected_close_date,
        changed_at,
        false as is_inferred,
        row_number() over (
            partition by deal_id order by changed_at desc, history_id desc
        ) as recency
    from deal_history
    where deal_id is not null
        and changed_at is not null
),

inferred_rows as (
    select
        cast('inferred:' || deals.deal_id as {{ dbt.type_string() }}) as history_id,
        deals.deal_id,
        deals.stage_id,
        deals.owner_id,
        deals.currency,
        deals.amount,
        deals.expected_close_date,
        case
            when
                deals.status in ('won', 'lost')
                and deals.closed_at is not null
                and deals.closed_at > kept_rows.changed_at
                then deals.closed_at
            when
                deals.status not in ('won', 'lost')
                and deals.updated_at is not null
                and deals.updated_at > kept_rows.changed_at
                then deals.updated_at
            else kept_rows.changed_at
        end as changed_at,
        true as is_inferred
    from kept_rows
    inner join deals
        on kept_rows.deal_id = deals.deal_id
    where kept_rows.recency = 1
        and deals.stage_id is not null
        and (kept_rows.stage_id is null or kept_rows.stage_id <> deals.stage_id)
),

history_rows as (
    select
        history_id,
        deal_id,
        stage_id,
        owner_id,
        currency,
        amount,
        expected_close_date,
        changed_at,
        is_inferred
    from kept_rows
    union all
    select
        history_id,
        deal_id,
        stage_id,
        owner_id,
        currency,
        amount,
        expected_close_date,
        changed_at,
        is_inferred
    from inferred_rows
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
        is_inferred,
        row_number() over (
            partition by deal_id order by changed_at nulls last, is_inferred nulls last, history_id nulls last
        ) as history_sequence,
        lag(stage_id) over (
            partition by deal_id order by changed_at nulls last, is_inferred nulls last, history_id nulls last
        ) as previous_stage_id,
        lead(changed_at) over (
            partition by deal_id order by changed_at nulls last, is_inferred nulls last, history_id nulls last
        ) as next_changed_at
    from history_rows
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
        is_inferred,
        expected_close_date,
        changed_at,
        next_changed_at
    from visit_starts_flagged
)

select * from final
