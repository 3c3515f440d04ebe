{#
    Flags: a record kept with a doubtful value carries the list of its flags in a
    `flags` column (`|`-separated, NULL when none), as exports.md asks ("Flags are
    visible"). Staging raises the flags it can see in one record:
    - `<column>_invalid`: an e-mail that is not an address (nulled);
    - `<column>_unknown`: a category value mapped to `other`.
    Flags that need other tables (missing references, unknown sku, amounts before the
    first fx rate) are raised downstream.
#}

{% macro email_is_invalid(column) -%}
    ({{ clean_text(column) }} is not null and {{ normalise_email(column) }} is null)
{%- endmacro %}

{% macro category_is_unknown(column, accepted_values) -%}
    (
        {{ clean_text(column) }} is not null
        and {{ normalise_category(column, accepted_values) }} = 'other'
        and {{ fold_category(column) }} <> '{{ folded_category_value('other') }}'
    )
{%- endmacro %}

{# `checks`: a list of (flag name, SQL condition) pairs. #}
{% macro flags_column(checks) -%}
    {%- set parts = [] -%}
    {%- for name, condition in checks -%}
        {%- do parts.append("case when " ~ condition ~ " then '" ~ name ~ "|' else '' end") -%}
    {%- endfor -%}
    nullif({{ rtrim_characters(dbt.concat(parts), '|') }}, '')
{%- endmacro %}

{# Shorthands for the usual checks. #}
{% macro email_check(column) -%}
    {{ return((column ~ '_invalid', email_is_invalid(column))) }}
{%- endmacro %}

{% macro category_check(column, accepted_values, name=none) -%}
    {{ return(((name or column) ~ '_unknown', category_is_unknown(column, accepted_values))) }}
{%- endmacro %}
