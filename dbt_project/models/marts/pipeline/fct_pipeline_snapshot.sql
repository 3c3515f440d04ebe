-- depends_on: {{ ref('stg_crm__deal_history') }}
-- depends_on: {{ ref('stg_reference__fx_rates') }}
{{ pipeline_snapshot_config() }}

{#
    One row per (day, deal) for every deal open at the end of that day.

    The state on day D is the deal's latest history row with changed_at before the end of
    D, i.e. a row holds from the business day of its changed_at up to (excluding) the
    business day of the next row. A deal is open at the end of D when it was created by
    then and that state's stage is of type open. Days run from the first deal's creation
    to the as-of date. Deleted deals are left out on every day. The history includes the
    row assumed by v1.3's "the deal record is the truth about a deal's current state"
    (int_deal_history_ordered), so the last day's open deals are fct_deals' open deals.

    Incremental: the rows grow with days x open deals, so a refresh recomputes only the
    days from `pipeline_snapshot_recompute_from()` (macros/pipeline_snapshot.sql): the
    first new day, or the earliest day touched by a batch loaded since the last build
    (history rows, fx rates, or deals whose deletion/source/pipeline/creation changed), or
    a stored day a changed deal record's assumed row may move (v1.3).
    The pre-hook deletes those days; the model appends them again. The first day is worked
    out once, when the model compiles, before the pre-hook runs: worked out again after the
    delete, it would see fewer stored days, come out earlier and append some days twice.
    On Spark, whose Parquet tables cannot delete rows, the model is a table rebuilt whole
    (pipeline_snapshot_config, macros/pipeline_snapshot.sql).
#}

{%- set recompute_from = none -%}
{#- only when dbt builds it: `dbt docs generate` compiles it too, against a publication
    that holds the marts alone -#}
{%- if is_incremental() and execute and flags.WHICH in ('run', 'build') -%}
    {%- set recompute_from = run_query(pipeline_snapshot_recompute_from()).columns[0].values()[0] -%}
{%- endif %}

with

deals as (
    select * from {{ ref('stg_crm__deals') }}
),

history as (
    select * from {{ ref('int_deal_history_ordered') }}
),

visits as (
    select * from {{ ref('int_deal_visits_grouped') }}
),

stages as (
    select * from {{ ref('stg_crm__pipeline_stages') }}
),

users as (
    select * from {{ ref('stg_crm__users') }}
),

bounds as (
    select
        {% if is_incremental() -%}
        greatest(
            {{ "cast(null as date)" if recompute_from is none else "cast('" ~ recompute_from ~ "' as date)" }},
            min({{ to_reporting_date('created_at') }})
        ) as first_day,
        {%- else -%}
        min({{ to_reporting_date('created_at') }}) as first_day,
        {%- endif %}
        {{ as_of_date() }} as last_day
    from deals
    where not is_deleted
),

snapshot_days as (
    {{ day_spine('bounds', 'first_day', 'last_day', 'snapshot_date') }}
),

states as (
    select
        history.deal_id,
        history.stage_id,
        case when users.user_id is not null then history.owner_id else 'unknown' end as owner_id,
        history.currency,
        history.amount,
        history.expected_close_date,
        visits.entered_at as stage_entered_at,
        deals.pipeline_id as deal_pipeline_id,
        deals.source,
        deals.created_at,
        stages.pipeline_id,
        stages.probability,
        {{ to_reporting_date('history.changed_at') }} as state_from_date,
        {{ to_reporting_date('history.next_changed_at') }} as state_until_date
    from history
    inner join deals
        on history.deal_id = deals.deal_id
    inner join stages
        on history.stage_id = stages.stage_id
    inner join visits
        on history.deal_id = visits.deal_id
        and history.visit_sequence = visits.visit_sequence
    left join users
        on history.owner_id = users.user_id
    where not deals.is_deleted
        and stages.stage_type = 'open'
),

open_deal_days as (
    select
        snapshot_days.snapshot_date,
        states.*,
        {{ end_of_day('snapshot_days.snapshot_date') }} as end_of_day_at
    from snapshot_days
    inner join states
        on snapshot_days.snapshot_date >= states.state_from_date
        and (states.state_until_date is null or snapshot_days.snapshot_date < states.state_until_date)
        and snapshot_days.snapshot_date >= {{ to_reporting_date('states.created_at') }}
),

converted as (
    select
        open_deal_days.*,
        {{ convert_currency('open_deal_days.amount', 'open_deal_days.currency', 'fx_day') }} as amount_rc
    from open_deal_days
    {{ fx_joins('open_deal_days.currency', 'open_deal_days.snapshot_date', 'fx_day') }}
),

final as (
    select
        snapshot_date,
        deal_id,
        coalesce(pipeline_id, deal_pipeline_id) as pipeline_id,
        stage_id,
        owner_id,
        coalesce(source, 'unknown') as source,
        currency,
        amount,
        amount_rc,
        amount_rc * cast(probability as {{ type_double() }}) as weighted_amount_rc,
        {{ days_between('stage_entered_at', 'end_of_day_at') }} as days_in_stage,
        {{ days_between('created_at', 'end_of_day_at') }} as days_open,
        coalesce(expected_close_date < snapshot_date, false) as is_overdue,
        expected_close_date,
        (select max(loaded_at) from {{ ref('stg_audit__file_loads') }}) as loaded_through_at
    from converted
)

select * from final
