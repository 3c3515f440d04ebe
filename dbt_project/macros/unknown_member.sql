{#
    The unknown member of a dimension (docs/marts.md: a fact whose key is missing from its
    dimension points at it), written once. A dimension ends with

        final as (
            {{ union_unknown_member('known_accounts', {'account_id': 'unknown', 'account_name': 'Unknown'}) }}
        )

    which selects the model's contracted columns (its YAML, in that order) from the known
    rows and adds one row: the given values for the named columns (the key `'unknown'`, a
    display name), `false` for the other boolean columns (the unknown member is not active,
    not deleted, not a customer), and a null of the contracted data_type for the rest.
#}
{% macro union_unknown_member(known_rows, values) -%}
    {%- if not execute -%}
        select * from {{ known_rows }}
    {%- else -%}
        {%- set columns = model.columns.values() | list -%}
        {%- if not columns -%}
            {{ exceptions.raise_compiler_error("union_unknown_member: " ~ model.name ~ " has no columns in its YAML (the contract names them)") }}
        {%- endif -%}
        {%- for name in values if name not in model.columns -%}
            {{ exceptions.raise_compiler_error("union_unknown_member: " ~ model.name ~ " has no column " ~ name) }}
        {%- endfor -%}
    select
        {%- for column in columns %}
        {{ column.name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ known_rows }}

    union all

    select
        {%- for column in columns %}
        {{ _unknown_member_value(column, values) }} as {{ column.name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}


{% macro _unknown_member_value(column, values) -%}
    {%- if column.name in values -%}
        {%- set value = values[column.name] -%}
        {%- if value is none -%}
            cast(null as {{ column.data_type }})
        {%- elif value is sameas true or value is sameas false -%}
            {{ 'true' if value else 'false' }}
        {%- elif value is string -%}
            '{{ value | replace("'", "''") }}'
        {%- else -%}
            {{ value }}
        {%- endif -%}
    {%- elif (column.data_type or '') | lower == 'boolean' -%}
        false
    {%- elif column.data_type -%}
        cast(null as {{ column.data_type }})
    {%- else -%}
        {{ exceptions.raise_compiler_error("union_unknown_member: column " ~ column.name ~ " of " ~ model.name ~ " has no data_type") }}
    {%- endif -%}
{%- endmacro %}
