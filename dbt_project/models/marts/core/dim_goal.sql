{#
    One row per sales goal kept after the audit (deleted goals included, flagged, as in
    every dimension). `goal_kind` groups the metrics: revenue for won_revenue and
    won_deals, activity for activities and new_leads. No unknown member: every fact that
    points at a goal (fct_goal_attainment) is generated from the goals themselves.
#}
with

goals as (
    select * from {{ ref('stg_crm__goals') }}
),

final as (
    select
        goal_id,
        goal_name,
        metric,
        case
            when metric in ('won_revenue', 'won_deals') then 'revenue'
            when metric in ('activities', 'new_leads') then 'activity'
        end as goal_kind,
        activity_type,
        activity_outcomes,
        scope,
        pipeline_id,
        period_1,
        target_1,
        period_2,
        target_2,
        currency,
        is_deleted,
        starts_on,
        ends_on,
        deleted_at
    from goals
)

select * from final
