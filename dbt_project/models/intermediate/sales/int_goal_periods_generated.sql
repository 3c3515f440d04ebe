{#
    One row per (goal assignment, period type, period): every whole calendar period of
    the goal's `period_1` (and `period_2` when set) that overlaps [starts_on, the earlier
    of ends_on and the as-of date]. Periods keep their own calendar bounds (ISO weeks
    start on Monday); targets are not prorated. Assignments and goals kept after the
    audit and not deleted; `assigned_on` does not bound the periods.

    Pacing inputs for the period that contains the as-of date: `elapsed_days` (as-of day
    included) and `expected_to_date` = target × elapsed_days ÷ period_days; null for
    other periods.
#}
with

goals as (
    select * from {{ ref('stg_crm__goals') }}
),

assignments as (
    select * from {{ ref('stg_crm__goal_assignments') }}
),

as_of as (
    select cast({{ as_of_date() }} as date) as as_of_date
),

goal_periods as (
    {# the goal's one or two (period type, target) pairs #}
    select
        goal_id,
        period_1 as period_type,
        target_1 as target
    from goals
    where not is_deleted and period_1 is not null
    union all
    select
        goal_id,
        period_2 as period_type,
        target_2 as target
    from goals
    where not is_deleted and period_2 is not null
),

goal_windows as (
    select
        goals.goal_id,
        goals.starts_on as window_start,
        case
            when goals.ends_on is not null and goals.ends_on < as_of.as_of_date then goals.ends_on
            else as_of.as_of_date
        end as window_end,
        as_of.as_of_date
    from goals
    cross join as_of
    where not goals.is_deleted
        and goals.starts_on is not null
),

{# 0 .. 32767 periods from the first one: ~89 years of days #}
period_offsets as (
    select generated_number - 1 as period_offset
    from ({{ dbt.generate_series(32768) }}) as series
),

first_periods as (
    select
        goal_periods.goal_id,
        goal_periods.period_type,
        goal_periods.target,
        goal_windows.window_start,
        goal_windows.window_end,
        goal_windows.as_of_date,
        case goal_periods.period_type
            when 'day' then goal_windows.window_start
            when 'week' then cast({{ dbt.date_trunc('week', 'goal_windows.window_start') }} as date)
            when 'month' then cast({{ dbt.date_trunc('month', 'goal_windows.window_start') }} as date)
            when 'quarter' then cast({{ dbt.date_trunc('quarter', 'goal_windows.window_start') }} as date)
            when 'year' then cast({{ dbt.date_trunc('year', 'goal_windows.window_start') }} as date)
        end as first_period_start
    from goal_periods
    inner join goal_windows
        on goal_periods.goal_id = goal_windows.goal_id
    where goal_windows.window_start <= goal_windows.window_end
),

periods as (
    select
        first_periods.goal_id,
        first_periods.period_type,
        first_periods.target,
        first_periods.window_end,
        first_periods.as_of_date,
        case first_periods.period_type
            when 'day' then cast({{ dbt.dateadd('day', 'period_offsets.period_offset', 'first_periods.first_period_start') }} as date)
            when 'week' then cast({{ dbt.dateadd('day', '7 * period_offsets.period_offset', 'first_periods.first_period_start') }} as date)
            when 'month' then cast({{ dbt.dateadd('month', 'period_offsets.period_offset', 'first_periods.first_period_start') }} as date)
            when 'quarter' then cast({{ dbt.dateadd('month', '3 * period_offsets.period_offset', 'first_periods.first_period_start') }} as date)
            when 'year' then cast({{ dbt.dateadd('year', 'period_offsets.period_offset', 'first_periods.first_period_start') }} as date)
        end as period_start,
        case first_periods.period_type
            when 'day' then cast({{ dbt.dateadd('day', 'period_offsets.period_offset + 1', 'first_periods.first_period_start') }} as date)
            when 'week' then cast({{ dbt.dateadd('day', '7 * (period_offsets.period_offset + 1)', 'first_periods.first_period_start') }} as date)
            when 'month' then cast({{ dbt.dateadd('month', 'period_offsets.period_offset + 1', 'first_periods.first_period_start') }} as date)
            when 'quarter' then cast({{ dbt.dateadd('month', '3 * (period_offsets.period_offset + 1)', 'first_periods.first_period_start') }} as date)
            when 'year' then cast({{ dbt.dateadd('year', 'period_offsets.period_offset + 1', 'first_periods.first_period_start') }} as date)
        end as next_period_start
    from first_periods
    cross join period_offsets
),

periods_in_window as (
    select
        goal_id,
        period_type,
        target,
        period_start,
        cast({{ dbt.dateadd('day', -1, 'next_period_start') }} as date) as period_end,
        {{ dbt.datediff('period_start', 'next_period_start', 'day') }} as period_days,
        as_of_date
    from periods
    where period_start <= window_end
),

final as (
    select
        assignments.assignment_id,
        periods_in_window.goal_id,
        assignments.user_id,
        periods_in_window.period_type,
        periods_in_window.period_start,
        periods_in_window.period_end,
        periods_in_window.period_days,
        periods_in_window.target,
        case
            when periods_in_window.as_of_date between periods_in_window.period_start and periods_in_window.period_end
                then {{ dbt.datediff('periods_in_window.period_start', 'periods_in_window.as_of_date', 'day') }} + 1
        end as elapsed_days,
        case
            when periods_in_window.as_of_date between periods_in_window.period_start and periods_in_window.period_end
                then cast(
                    periods_in_window.target
                    * ({{ dbt.datediff('periods_in_window.period_start', 'periods_in_window.as_of_date', 'day') }} + 1)
                    / periods_in_window.period_days
                    as {{ type_double() }}
                )
        end as expected_to_date
    from periods_in_window
    inner join assignments
        on periods_in_window.goal_id = assignments.goal_id
    where not assignments.is_deleted
)

select * from final
