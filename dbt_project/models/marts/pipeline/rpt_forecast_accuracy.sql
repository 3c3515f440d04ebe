{#
    Was the forecast right? One row per (month M, pipeline) (docs/marts.md v1.3). The
    forecast of M is the pipeline as it stood at the end of the day before M
    (fct_pipeline_snapshot of that day): the deals open then whose expected_close_date
    falls in M, with that day's amount_rc and weighted_amount_rc. `won_rc`: amount_rc (as in
    fct_deals, at closed_at) of the not-deleted deals won with closed_at in M;
    `won_from_forecast_rc` its part from deals of the forecast. Months whose last day is
    before the as-of date and whose previous day has a snapshot (within the snapshot's
    days); pipelines with at least one not-deleted deal.
#}
with

snapshot as (
    select * from {{ ref('fct_pipeline_snapshot') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

bounds as (
    select
        cast({{ dbt.dateadd('day', 1, 'min(snapshot_date)') }} as date) as first_day,
        max(snapshot_date) as last_snapshot_day,
        {{ as_of_date() }} as last_day
    from snapshot
),

days as (
    {{ day_spine('bounds', 'first_day', 'last_day', 'date_day') }}
),

forecast_months as (
    select days.date_day as forecast_month
    from days
    cross join bounds
    where days.date_day = cast({{ dbt.date_trunc('month', 'days.date_day') }} as date)
        and {{ dbt.dateadd('month', 1, 'days.date_day') }} <= bounds.last_day
        and {{ dbt.dateadd('day', -1, 'days.date_day') }} <= bounds.last_snapshot_day
),

pipelines as (
    select distinct pipeline_id
    from deals
    where not is_deleted
        and pipeline_id is not null
),

forecast_deals as (
    select
        forecast_months.forecast_month,
        snapshot.pipeline_id,
        snapshot.deal_id,
        snapshot.amount_rc,
        snapshot.weighted_amount_rc
    from forecast_months
    inner join snapshot
        on snapshot.snapshot_date = cast({{ dbt.dateadd('day', -1, 'forecast_months.forecast_month') }} as date)
        and cast({{ dbt.date_trunc('month', 'snapshot.expected_close_date') }} as date) = forecast_months.forecast_month
),

won_deals as (
    select
        cast({{ dbt.date_trunc('month', to_reporting_date('closed_at')) }} as date) as won_month,
        pipeline_id,
        deal_id,
        amount_rc
    from deals
    where status = 'won'
        and not is_deleted
),

forecasts as (
    select
        forecast_month,
        pipeline_id,
        count(*) as forecast_deals,
        coalesce(sum(amount_rc), 0) as forecast_pipeline_rc,
        coalesce(sum(weighted_amount_rc), 0) as forecast_weighted_rc
    from forecast_deals
    group by forecast_month, pipeline_id
),

wins as (
    select
        won_deals.won_month,
        won_deals.pipeline_id,
        coalesce(sum(won_deals.amount_rc), 0) as won_rc,
        coalesce(sum(case when forecast_deals.deal_id is not null then won_deals.amount_rc end), 0) as won_from_forecast_rc
    from won_deals
    left join forecast_deals
        on won_deals.deal_id = forecast_deals.deal_id
        and won_deals.won_month = forecast_deals.forecast_month
    group by won_deals.won_month, won_deals.pipeline_id
),

compared as (
    select
        forecast_months.forecast_month,
        pipelines.pipeline_id,
        coalesce(forecasts.forecast_deals, 0) as forecast_deals,
        coalesce(forecasts.forecast_pipeline_rc, 0) as forecast_pipeline_rc,
        coalesce(forecasts.forecast_weighted_rc, 0) as forecast_weighted_rc,
        coalesce(wins.won_rc, 0) as won_rc,
        coalesce(wins.won_from_forecast_rc, 0) as won_from_forecast_rc
    from forecast_months
    cross join pipelines
    left join forecasts
        on forecast_months.forecast_month = forecasts.forecast_month
        and pipelines.pipeline_id = forecasts.pipeline_id
    left join wins
        on forecast_months.forecast_month = wins.won_month
        and pipelines.pipeline_id = wins.pipeline_id
),

final as (
    select
        forecast_month,
        pipeline_id,
        forecast_deals,
        cast(forecast_pipeline_rc as {{ type_double() }}) as forecast_pipeline_rc,
        cast(forecast_weighted_rc as {{ type_double() }}) as forecast_weighted_rc,
        cast(won_rc as {{ type_double() }}) as won_rc,
        cast(won_from_forecast_rc as {{ type_double() }}) as won_from_forecast_rc,
        cast(won_rc - forecast_weighted_rc as {{ type_double() }}) as forecast_error_rc,
        case
            when won_rc <> 0 then abs(won_rc - forecast_weighted_rc) / won_rc
        end as abs_pct_error
    from compared
)

select * from final
