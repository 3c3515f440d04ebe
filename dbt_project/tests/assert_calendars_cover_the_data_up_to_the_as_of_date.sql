{#
    The day spines never stop short. dim_date must hold every day from its first to its
    last, the as-of date included, and the pipeline snapshot must reach the as-of date
    whenever a deal is open then and the deals' stage history was loaded at all. A calendar
    cut short (a spine that runs out of days, a placeholder date stretching it) fails here
    instead of silently emptying the marts. Returns one row per broken promise.

    Without any deal-history row (a CRM whose exports have no stage history: HubSpot's and
    Pipedrive's layouts, issue 14) fct_pipeline_snapshot is empty by its rule (a deal's
    states come from its history rows, int_deal_history_ordered), and so are the marts built
    on it: a declared gap of the layout, named in the README's vendor table and the audit
    report, not a calendar cut short. One kept history row is enough to demand the snapshot
    again.
#}
{{ config(meta={'dagster': {'ref': {'name': 'dim_date'}}}) }}

with

calendar as (
    select
        min(date_day) as first_day,
        max(date_day) as last_day,
        count(*) as days
    from {{ ref('dim_date') }}
),

open_deals_now as (
    select count(*) as deals
    from {{ ref('fct_deals') }}
    where status = 'open' and not is_deleted
),

history_loaded as (
    select count(*) as history_rows
    from {{ ref('int_deal_history_ordered') }}
    where not is_inferred
),

snapshot as (
    select max(snapshot_date) as last_snapshot_date
    from {{ ref('fct_pipeline_snapshot') }}
)

select 'dim_date has gaps' as problem
from calendar
where days <> {{ dbt.datediff('first_day', 'last_day', 'day') }} + 1

union all

select 'dim_date ends before the as-of date'
from calendar
where last_day < {{ as_of_date() }} or last_day is null

union all

select 'fct_pipeline_snapshot ends before the as-of date while deals are open'
from open_deals_now
cross join history_loaded
cross join snapshot
where open_deals_now.deals > 0
    and history_loaded.history_rows > 0
    and (snapshot.last_snapshot_date is null or snapshot.last_snapshot_date < {{ as_of_date() }})
