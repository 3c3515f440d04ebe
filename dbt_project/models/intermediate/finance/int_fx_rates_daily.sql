{{ config(materialized="table") }}

{#
    One row per (rate_date, currency) for every calendar day from the currency's first
    rate to the as-of date, with the latest rate on or before that day (ECB convention:
    units of `currency` for 1 EUR). EUR = 1 on every day from the first rate of any
    currency. Reused by every conversion through macros/currency.sql.
#}
with

fx_rates as (
    select * from {{ ref('stg_reference__fx_rates') }}
),

valid_rates as (
    select
        currency,
        rate,
        rate_date
    from fx_rates
    where currency is not null
        and currency <> 'EUR'
        and rate_date is not null
        and rate > 0
),

{# each rate holds from its date until the day before the currency's next rate #}
rate_validity as (
    select
        currency,
        rate,
        rate_date as valid_from,
        lead(rate_date) over (partition by currency order by rate_date nulls last) as valid_until
    from valid_rates
),

bounds as (
    select
        min(rate_date) as first_rate_date,
        {{ as_of_date() }} as as_of_date
    from valid_rates
),

calendar_days as (
    {{ day_spine('bounds', 'first_rate_date', 'as_of_date', 'rate_date') }}
),

carried_forward as (
    select
        calendar_days.rate_date,
        rate_validity.currency,
        rate_validity.rate
    from calendar_days
    inner join rate_validity
        on calendar_days.rate_date >= rate_validity.valid_from
        and (rate_validity.valid_until is null or calendar_days.rate_date < rate_validity.valid_until)
),

euro as (
    select
        rate_date,
        'EUR' as currency,
        cast(1 as {{ type_double() }}) as rate
    from calendar_days
),

final as (
    select
        rate_date,
        currency,
        cast(rate as {{ type_double() }}) as rate
    from carried_forward
    union all
    select
        rate_date,
        currency,
        rate
    from euro
)

select * from final
