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
{#
    lake_location: the lake as the orchestration resolved it (CRMWH_RESOLVED_LAKE), else
    CRMWH_LAKE; dbt run by hand on Spark without either refuses, rather than read or
    overwrite folders at the root of the file system.
#}
{% macro lake_location() -%}
    {%- set lake = env_var('CRMWH_RESOLVED_LAKE', env_var('CRMWH_LAKE', '')) -%}
    {%- if not lake -%}
        {{ exceptions.raise_compiler_error("CRMWH_LAKE is not set: the lake where the raw tables are read and the marts written on Spark (docs/spark.md)") }}
    {%- endif -%}
    {{ return(lake.rstrip('/')) }}
{%- endmacro %}

{% macro register_lake_sources() -%}
    {{ return(adapter.dispatch('register_lake_sources', 'crmwh')()) }}
{%- endmacro %}

{% macro default__register_lake_sources() -%}
    select 1
{%- endmacro %}

{% macro spark__register_lake_sources() -%}
    {%- if execute -%}
        {%- set lake = lake_location() -%}
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
    export_marts_to_lake (on-run-end): on Spark, each mart this run built is written to the
    lake as Parquet (<lake>/marts/<mart>/), where the refresh reads it back into the
    warehouse file for the publication (orchestration/lib/lake.py import_marts). Spark
    itself writes it, so that the marts reach the refresh wherever Spark's own tables live
    (a local folder, a cluster's catalog and object store). On DuckDB the marts are built in
    the warehouse file: nothing to do.
#}
{% macro export_marts_to_lake(results) -%}
    {{ return(adapter.dispatch('export_marts_to_lake', 'crmwh')(results)) }}
{%- endmacro %}

{% macro default__export_marts_to_lake(results) -%}
    select 1
{%- endmacro %}

{% macro spark__export_marts_to_lake(results) -%}
    {%- if execute -%}
        {%- set lake = lake_location() -%}
        {%- for result in results
            if result.node.resource_type == 'model' and result.node.schema == 'marts'
            and result.status == 'success' -%}
            {%- do run_query("insert overwrite directory '" ~ lake ~ "/marts/" ~ result.node.alias ~ "' using parquet select * from " ~ result.node.relation_name) -%}
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
