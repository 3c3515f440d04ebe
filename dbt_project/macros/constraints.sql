{#
    The marts' enforced contracts (dbt_project.yml) carry not_null constraints. DuckDB
    creates its tables with them. dbt-spark persists them with ALTER TABLE ... SET NOT NULL
    whenever a model has no `file_format` or `delta` (it takes a missing file_format for
    Delta), and Spark's plain Parquet tables, the session's default, refuse that statement.
    Here they are persisted only on a table format that can hold them (Delta); on Parquet the
    contract's column types are still checked before the build, and the not_null data tests
    of the marts still run. Setting `file_format: parquet` for Spark in dbt_project.yml
    gives the same result through dbt-spark's own macro.
#}
{% macro spark__persist_constraints(relation, model) -%}
    {%- set contract_config = config.get('contract') -%}
    {%- if contract_config.enforced and config.get('file_format') == 'delta' -%}
        {%- do alter_table_add_constraints(relation, model.constraints) -%}
        {%- do alter_column_set_constraints(relation, model.columns) -%}
    {%- endif -%}
{%- endmacro %}
