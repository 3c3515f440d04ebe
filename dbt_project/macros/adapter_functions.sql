{#
    The few SQL functions that have no dbt cross-database macro. Each has a portable
    (PostgreSQL-flavoured) default__, a duckdb__ and a spark__ implementation; models never
    call engine-specific functions directly. Where dbt's own Spark implementation of a
    cross-database macro differs from DuckDB's results, it is replaced here (the project's
    namespace comes first in `dispatch`, dbt_project.yml).
#}

{# try_cast: dbt-duckdb has no safe_cast, and the default (a plain cast) raises on
   `2026-02-30`; staging must turn bad values into NULL instead. dbt-spark's safe_cast
   is a plain cast too, NULL on a bad value only while ANSI mode is off (dbt-spark turns
   it off, Databricks SQL warehouses keep it on): Spark's own try_cast does not depend
   on it. #}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{% macro spark__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}


{# dateadd and datediff on Spark. dbt-spark's versions go through Unix seconds: they drop
   the fraction of a second (DuckDB keeps it) and raise an error on a NULL date (DuckDB
   returns NULL). timestampadd keeps both, and returns a timestamp for a date, as DuckDB's
   `date + interval` does. #}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    {%- set unit = datepart | lower -%}
    {%- if unit not in ['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second'] -%}
        {{ exceptions.raise_compiler_error("dateadd: datepart '" ~ datepart ~ "' is not supported on Spark") }}
    {%- endif -%}
    timestampadd({{ unit | upper }}, cast({{ interval }} as bigint), {{ from_date_or_timestamp }})
{%- endmacro %}

{# DuckDB's date_diff counts the boundaries of `datepart` crossed between the two
   values (dbt-duckdb: date_diff(part, a::timestamp, b::timestamp)): whole days between
   the dates, calendar months, whole seconds between the truncated seconds. dbt-spark's
   version rounds a difference of seconds up and raises on NULL. #}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- set unit = datepart | lower -%}
    {%- set first_ts = "cast(" ~ first_date ~ " as timestamp)" -%}
    {%- set second_ts = "cast(" ~ second_date ~ " as timestamp)" -%}
    {%- if unit == 'day' -%}
        cast(datediff(cast({{ second_date }} as date), cast({{ first_date }} as date)) as bigint)
    {%- elif unit in ['month', 'quarter', 'year'] -%}
        {%- set months = "(year(" ~ second_ts ~ ") * 12 + month(" ~ second_ts ~ ")) - (year(" ~ first_ts ~ ") * 12 + month(" ~ first_ts ~ "))" -%}
        {%- if unit == 'month' -%}
            cast({{ months }} as bigint)
        {%- elif unit == 'quarter' -%}
            cast((year({{ second_ts }}) * 4 + quarter({{ second_ts }})) - (year({{ first_ts }}) * 4 + quarter({{ first_ts }})) as bigint)
        {%- else -%}
            cast(year({{ second_ts }}) - year({{ first_ts }}) as bigint)
        {%- endif -%}
    {%- elif unit in ['hour', 'minute', 'second'] -%}
        {%- set seconds = {'hour': 3600, 'minute': 60, 'second': 1}[unit] -%}
        (floor(unix_seconds({{ second_ts }}) / {{ seconds }}) - floor(unix_seconds({{ first_ts }}) / {{ seconds }}))
    {%- else -%}
        {{ exceptions.raise_compiler_error("datediff: datepart '" ~ datepart ~ "' is not supported on Spark") }}
    {%- endif -%}
{%- endmacro %}


{# True when the whole of `expression` matches the regular expression `pattern`. #}
{% macro regex_full_match(expression, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match', 'crmwh')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regex_full_match(expression, pattern) -%}
    ({{ expression }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro duckdb__regex_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{# Spark: `rlike` (Java regular expressions) finds a match anywhere, so the pattern is
   anchored; `\z` (not `$`, which Java also lets match before a final line break). A
   Spark string literal unescapes backslashes, so they are doubled. #}
{% macro spark__regex_full_match(expression, pattern) -%}
    ({{ expression }} rlike '^(?:{{ pattern | replace("\\", "\\\\") }})\\z')
{%- endmacro %}


{# SHA-256 of a text, as 64 lower-case hex digits. #}
{% macro sha256_hex(expression) -%}
    {{ return(adapter.dispatch('sha256_hex', 'crmwh')(expression)) }}
{%- endmacro %}

{% macro default__sha256_hex(expression) -%}
    encode(sha256(convert_to({{ expression }}, 'UTF8')), 'hex')
{%- endmacro %}

{% macro duckdb__sha256_hex(expression) -%}
    sha256({{ expression }})
{%- endmacro %}

{% macro spark__sha256_hex(expression) -%}
    sha2({{ expression }}, 256)
{%- endmacro %}


{# True when a JSON array text (e.g. `["api","sync"]`) holds `value` (compared
   lower-case); NULL when the text is not a JSON array. #}
{% macro json_array_contains(expression, value) -%}
    {{ return(adapter.dispatch('json_array_contains', 'crmwh')(expression, value)) }}
{%- endmacro %}

{% macro default__json_array_contains(expression, value) -%}
    case
        when {{ expression }} is json array
            then exists (
                select 1
                from jsonb_array_elements_text(cast({{ expression }} as jsonb)) as tag(value)
                where lower(tag.value) = lower('{{ value }}')
            )
    end
{%- endmacro %}

{% macro duckdb__json_array_contains(expression, value) -%}
    case
        when json_valid({{ expression }}) and json_type({{ expression }}) = 'ARRAY'
            then list_contains(
                list_transform(
                    cast(json_extract_string({{ expression }}, '$[*]') as varchar[]),
                    lambda tag: lower(tag)
                ),
                lower('{{ value }}')
            )
    end
{%- endmacro %}

{# Spark: from_json gives NULL for a text that is not a JSON array (invalid JSON, an
   object, a scalar), and the array's elements as text (numbers as written). #}
{% macro spark__json_array_contains(expression, value) -%}
    case
        when from_json({{ expression }}, 'array<string>') is not null
            then coalesce(
                exists(from_json({{ expression }}, 'array<string>'), tag -> lower(tag) = lower('{{ value }}')),
                false
            )
    end
{%- endmacro %}


{# A string without the trailing characters of `characters` (any of them). Spark's
   two-argument rtrim takes its arguments the other way round (characters first), and
   the SQL-standard `trim(trailing ... from ...)` is not DuckDB's. #}
{% macro rtrim_characters(expression, characters) -%}
    {{ return(adapter.dispatch('rtrim_characters', 'crmwh')(expression, characters)) }}
{%- endmacro %}

{% macro default__rtrim_characters(expression, characters) -%}
    rtrim({{ expression }}, '{{ characters }}')
{%- endmacro %}

{% macro spark__rtrim_characters(expression, characters) -%}
    trim(trailing '{{ characters }}' from {{ expression }})
{%- endmacro %}
