{#
    What differs between the engines around the models (not inside them).

    register_lake_sources (on-run-start): on Spark, the sources (the raw and audit tables
    the loader writes) are Parquet files in the lake folder (CRMWH_LAKE, one folder per
    table: <lake>/<schema>/<table>/), exported by the loader after every load
    (orchestration/lib/lake.py). Each run registers them in Spark's catalog as external
    tables, and refreshes Spark's listing of their files; `--full-refresh` (which the
    orchestration passes whenever the dbt project changed, the contract's sources included)
    registers them afresh, so that their columns follow the contract. On DuckDB the loader
    writes them into the warehouse file itself: nothing to do.
#}
{% macro register_lake_sources() -%}
    {{ return(adapter.dispatch('register_lake_sources', 'crmwh')()) }}
{%- endmacro %}

{% macro default__register_lake_sources() -%}
    select 1
{%- endmacro %}

{% macro spark__register_lake_sources() -%}
    {%- if execute -%}
        {%- set lake = env_var('CRMWH_RESOLVED_LAKE', env_var('CRMWH_LAKE', '')) -%}
        {%- set schemas = [] -%}
        {%- for node in graph.sources.values() if node.schema not in schemas -%}
            {%- do schemas.append(node.schema) -%}
            {%- do run_query('create database if not exists ' ~ node.schema) -%}
        {%- endfor -%}
        {%- for node in graph.sources.values() -%}
            {%- set name = node.schema ~ '.' ~ node.identifier -%}
            {%- if flags.FULL_REFRESH -%}
                {%- do run_query('drop table if exists ' ~ name) -%}
            {%- endif -%}
            {%- do run_query("create table if not exists " ~ name ~ " using parquet location '" ~ lake ~ "/" ~ node.schema ~ "/" ~ node.identifier ~ "'") -%}
            {%- do run_query('refresh table ' ~ name) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}


{#
    delta_base_config: how a delta file's base model is materialised (base_model,
    macros/resolution.sql). On DuckDB an incremental table, appended to and purged of
    stale versions (resolve_delta, delete_stale_delta_versions). On Spark a table rebuilt
    on every run: Spark's Parquet tables support neither DELETE nor MERGE (they need Delta
    Lake or Iceberg), so the append-and-purge rule has nothing to run on.
#}
{% macro delta_base_config(source_name, table_name) -%}
    {{ return(adapter.dispatch('delta_base_config', 'crmwh')(source_name, table_name)) }}
{%- endmacro %}

{% macro default__delta_base_config(source_name, table_name) -%}
    {{ config(
        schema='staging_delta',
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        post_hook="{% if is_incremental() %}{{ delete_stale_delta_versions('" ~ source_name ~ "', '" ~ table_name ~ "') }}{% endif %}",
    ) }}
{%- endmacro %}

{% macro spark__delta_base_config(source_name, table_name) -%}
    {{ config(schema='staging_delta', materialized='table') }}
{%- endmacro %}
