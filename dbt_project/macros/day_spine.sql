{#
    Every calendar day from `first_day` to `last_day` (both included), one row each, as a
    column named `column_name`: dbt's portable generate_series (2^15 days, ~89 years) over
    the one-row relation `bounds` that holds both dates. The one day-spine of the project.
#}
{% macro day_spine(bounds, first_day, last_day, column_name) -%}
    select
        cast({{ dbt.dateadd('day', 'day_offsets.generated_number - 1', bounds ~ '.' ~ first_day) }} as date) as {{ column_name }}
    from ({{ dbt.generate_series(32768) }}) as day_offsets
    cross join {{ bounds }}
    where day_offsets.generated_number - 1
        <= {{ dbt.datediff(bounds ~ '.' ~ first_day, bounds ~ '.' ~ last_day, 'day') }}
{%- endmacro %}
