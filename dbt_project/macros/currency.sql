{#
    Dates, the as-of date and currency conversion, shared by every mart.

    Conversion (docs/marts.md, "Conventions"): `_rc` amounts use the rate of the
    date given for each column, i.e. the latest rate on or before that date, through EUR
    between two other currencies. `int_fx_rates_daily` carries that rate forward to every
    calendar day (EUR = 1), so a conversion is two equality joins:

        select
            deals.amount,
            {{ convert_currency('deals.amount', 'deals.currency', 'fx_closed') }} as amount_rc
        from deals
        {{ fx_joins('deals.currency', to_reporting_date('deals.closed_at'), 'fx_closed') }}

    `fx_joins` emits the two left joins (aliases `<alias>_from`, `<alias>_to`);
    `convert_currency` emits `amount / rate_from * rate_to`, null when a rate is missing
    (an amount dated before its currency's first rate, or after the as-of date). Use one
    alias per conversion date in a query.
#}


{# The as-of date: the latest loaded export date, as a scalar subquery on the one model
   that defines it (int_as_of_date). #}
{% macro as_of_date() -%}
    (select as_of_date from {{ ref('int_as_of_date') }})
{%- endmacro %}


{# The as-of time: the end of the as-of date in the reporting time zone, as a UTC
   timestamp (exclusive bound). #}
{% macro as_of_at() -%}
    {{ end_of_day(as_of_date()) }}
{%- endmacro %}


{# "End of day D": D+1 00:00 in the reporting time zone, as a UTC timestamp. #}
{% macro end_of_day(date_expression) -%}
    {{ reporting_midnight_to_utc(dbt.dateadd('day', 1, 'cast(' ~ date_expression ~ ' as date)')) }}
{%- endmacro %}


{# The business day (reporting time zone) of a UTC timestamp. #}
{% macro to_reporting_date(timestamp_expression) -%}
    {%- if var('reporting_timezone', 'UTC') | upper == 'UTC' -%}
        cast({{ timestamp_expression }} as date)
    {%- else -%}
        {{ adapter.dispatch('utc_to_local_date', 'crmwh')(timestamp_expression, var('reporting_timezone')) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__utc_to_local_date(timestamp_expression, timezone) -%}
    cast(({{ timestamp_expression }} at time zone 'UTC') at time zone '{{ timezone }}' as date)
{%- endmacro %}

{% macro duckdb__utc_to_local_date(timestamp_expression, timezone) -%}
    cast(timezone('{{ timezone }}', timezone('UTC', {{ timestamp_expression }})) as date)
{%- endmacro %}

{# Spark has no `at time zone`; its timestamps are instants shown in the session time
   zone (UTC, profiles.yml), which from_utc_timestamp shifts to the reporting zone. #}
{% macro spark__utc_to_local_date(timestamp_expression, timezone) -%}
    cast(from_utc_timestamp({{ timestamp_expression }}, '{{ timezone }}') as date)
{%- endmacro %}


{# Local midnight of a date (reporting time zone) as a naive UTC timestamp. #}
{% macro reporting_midnight_to_utc(date_expression) -%}
    {%- if var('reporting_timezone', 'UTC') | upper == 'UTC' -%}
        cast({{ date_expression }} as {{ dbt.type_timestamp() }})
    {%- else -%}
        {{ adapter.dispatch('local_midnight_to_utc', 'crmwh')(date_expression, var('reporting_timezone')) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__local_midnight_to_utc(date_expression, timezone) -%}
    ((cast({{ date_expression }} as {{ dbt.type_timestamp() }}) at time zone '{{ timezone }}') at time zone 'UTC')
{%- endmacro %}

{% macro duckdb__local_midnight_to_utc(date_expression, timezone) -%}
    timezone('UTC', timezone('{{ timezone }}', cast({{ date_expression }} as timestamp)))
{%- endmacro %}

{% macro spark__local_midnight_to_utc(date_expression, timezone) -%}
    to_utc_timestamp(cast({{ date_expression }} as timestamp), '{{ timezone }}')
{%- endmacro %}


{# Fractional days between two timestamps (seconds / 86400), a double. On DuckDB an
   integer divided by a decimal is a double; on Spark it is a decimal (rounded to its
   scale, and not the contract's double), so Spark divides a double. #}
{% macro days_between(start_timestamp, end_timestamp) -%}
    {{ return(adapter.dispatch('days_between', 'crmwh')(start_timestamp, end_timestamp)) }}
{%- endmacro %}

{% macro default__days_between(start_timestamp, end_timestamp) -%}
    ({{ dbt.datediff(start_timestamp, end_timestamp, 'second') }} / 86400.0)
{%- endmacro %}

{% macro spark__days_between(start_timestamp, end_timestamp) -%}
    (cast({{ dbt.datediff(start_timestamp, end_timestamp, 'second') }} as double) / 86400)
{%- endmacro %}


{# The two left joins to int_fx_rates_daily for converting from `from_currency` into
   `to_currency` (default: the reporting currency) at `on_date` (a date expression). #}
{% macro fx_joins(from_currency, on_date, alias, to_currency=none) -%}
    {%- set target_currency = to_currency if to_currency is not none else "'" ~ var('reporting_currency') ~ "'" -%}
    left join {{ ref('int_fx_rates_daily') }} as {{ alias }}_from
        on {{ alias }}_from.currency = {{ from_currency }}
        and {{ alias }}_from.rate_date = {{ on_date }}
    left join {{ ref('int_fx_rates_daily') }} as {{ alias }}_to
        on {{ alias }}_to.currency = {{ target_currency }}
        and {{ alias }}_to.rate_date = {{ on_date }}
{%- endmacro %}


{# `amount` converted with the rates joined by fx_joins(..., alias): amount / rate_from
   * rate_to (ECB rates are units per 1 EUR, so this goes through EUR); null when either
   rate is missing. #}
{% macro convert_currency(amount, from_currency, alias, to_currency=none) -%}
    {%- set target_currency = to_currency if to_currency is not none else "'" ~ var('reporting_currency') ~ "'" -%}
    ({{ amount }} / {{ alias }}_from.rate * {{ alias }}_to.rate)
{%- endmacro %}


{# A numeric date part (year, month, isodow: 1 = Monday … 7 = Sunday). #}
{% macro date_part_number(datepart, date_expression) -%}
    {{ return(adapter.dispatch('date_part_number', 'crmwh')(datepart, date_expression)) }}
{%- endmacro %}

{% macro default__date_part_number(datepart, date_expression) -%}
    extract({{ datepart }} from {{ date_expression }})
{%- endmacro %}

{# Spark names the ISO day of the week `dayofweek_iso` (its `dow` starts on Sunday). #}
{% macro spark__date_part_number(datepart, date_expression) -%}
    extract({{ 'dayofweek_iso' if datepart | lower == 'isodow' else datepart }} from {{ date_expression }})
{%- endmacro %}


{# Lower-case, trimmed, inner whitespace collapsed to one space. #}
{% macro normalise_free_text(expression) -%}
    {{ return(adapter.dispatch('normalise_free_text', 'crmwh')(expression)) }}
{%- endmacro %}

{% macro default__normalise_free_text(expression) -%}
    trim(regexp_replace(lower({{ expression }}), '\s+', ' ', 'g'))
{%- endmacro %}

{# Spark's regexp_replace replaces every match (no flags argument), and its string
   literals unescape backslashes. #}
{% macro spark__normalise_free_text(expression) -%}
    trim(regexp_replace(lower({{ expression }}), '\\s+', ' '))
{%- endmacro %}


{# A 64-bit float for money and rates (dbt's type_float() is a 32-bit FLOAT on DuckDB,
   too coarse for amounts). #}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'crmwh')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{# Spark knows `double`, not `double precision`. #}
{% macro spark__type_double() -%}
    double
{%- endmacro %}
