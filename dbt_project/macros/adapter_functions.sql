{#
    The few SQL functions that have no dbt cross-database macro. Each has a portable
    (PostgreSQL-flavoured) default__ and a duckdb__ implementation; models never call
    DuckDB-specific functions directly.
#}

{# try_cast: dbt-duckdb has no safe_cast, and the default (a plain cast) raises on
   `2026-02-30`; staging must turn bad values into NULL instead. #}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
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
