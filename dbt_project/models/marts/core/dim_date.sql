{#
    One row per day from the first day of the earliest record's year to the last day of
    the as-of year (ISO weeks, starting Monday). `day_of_week`: 1 = Monday … 7 = Sunday.
#}
with

deals as (
    select * from {{ ref('stg_crm__deals') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

activities as (
    select * from {{ ref('stg_crm__activities') }}
),

fx_rates as (
    select * from {{ ref('stg_reference__fx_rates') }}
),

earliest_records as (
    select min({{ to_reporting_date('created_at') }}) as first_date from deals
    union all
    select min({{ to_reporting_date('created_at') }}) from leads
    union all
    select min({{ to_reporting_date('created_at') }}) from accounts
    union all
    select min({{ to_reporting_date('occurred_at') }}) from activities
    union all
    select min(rate_date) from fx_rates
),

bounds as (
    select
        cast({{ dbt.date_trunc('year', 'min(first_date)') }} as date) as first_day,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, dbt.date_trunc('year', as_of_date()))) }} as date) as last_day
    from earliest_records
),

days as (
    {{ day_spine('bounds', 'first_day', 'last_day', 'date_day') }}
),

final as (
    select
        date_day,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        cast({{ dbt.date_trunc('quarter', 'date_day') }} as date) as quarter_start,
        cast({{ date_part_number('year', 'date_day') }} as {{ dbt.type_int() }}) as year,
        cast({{ date_part_number('isodow', 'date_day') }} as {{ dbt.type_int() }}) as day_of_week,
        {{ date_part_number('isodow', 'date_day') }} >= 6 as is_weekend
    from days
)

select * from final
