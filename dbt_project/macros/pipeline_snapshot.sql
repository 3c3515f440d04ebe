{#
    pipeline_snapshot_config: how fct_pipeline_snapshot is materialised. On DuckDB an
    incremental table: the pre-hook deletes the days from pipeline_snapshot_recompute_from()
    on and the model appends them again. On Spark a table rebuilt on every run: Spark's
    Parquet tables support no DELETE (that needs Delta Lake or Iceberg), so the
    delete-and-append has nothing to run on (as for the delta files' base models,
    delta_base_config in macros/engine.sql).
#}
{% macro pipeline_snapshot_config() -%}
    {{ return(adapter.dispatch('pipeline_snapshot_config', 'crmwh')()) }}
{%- endmacro %}

{% macro default__pipeline_snapshot_config() -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{% if is_incremental() %}delete from {{ this }} where snapshot_date >= ({{ pipeline_snapshot_recompute_from() }}){% endif %}",
    ) }}
{%- endmacro %}

{% macro spark__pipeline_snapshot_config() -%}
    {{ config(materialized='table') }}
{%- endmacro %}


{#
    The first day fct_pipeline_snapshot must recompute on an incremental run: the day after
    the last stored day, or earlier when a batch loaded since the last build
    (`loaded_at` of stg_audit__file_loads after the stored `loaded_through_at`) touches a stored
    day: a new or corrected deal-history row (from its business day), a new or corrected
    fx rate (from its rate date), or a deal now deleted or with another source, pipeline
    or creation date than stored (from its first stored day), or a deal record updated or
    closed on or after the last stored day (v1.3: the record may add, move or remove the
    history row assumed by "the deal record is the truth about its current state",
    int_deal_history_ordered): from its assumed row's day, and from its first stored day on
    or after its latest kept history row (where a previously assumed row can only be).
    Not detected: a history
    row re-delivered with a later changed_at than before, and stage probability changes;
    run with --full-refresh after those.
#}
{% macro pipeline_snapshot_recompute_from() -%}
    {%- set new_batches -%}
        select batch_date
        from {{ ref('stg_audit__file_loads') }}
        where loaded_at > (select max(loaded_through_at) from {{ this }})
    {%- endset -%}
    select min(touched_date)
    from (
        select cast({{ dbt.dateadd('day', 1, 'max(snapshot_date)') }} as date) as touched_date
        from {{ this }}
        union all
        select min({{ to_reporting_date('changed_at') }})
        from {{ ref('stg_crm__deal_history') }}
        where batch_date in ({{ new_batches }})
        union all
        select min(rate_date)
        from {{ ref('stg_reference__fx_rates') }}
        where batch_date in ({{ new_batches }})
        union all
        select min(stored.snapshot_date)
        from {{ this }} as stored
        left join {{ ref('stg_crm__deals') }} as deals
            on stored.deal_id = deals.deal_id
        where deals.deal_id is null
            or deals.is_deleted
            or coalesce(deals.source, 'unknown') <> stored.source
            or {{ to_reporting_date('deals.created_at') }} > stored.snapshot_date
        union all
        select min({{ to_reporting_date('history.assumed_at') }})
        from {{ ref('stg_crm__deals') }} as deals
        inner join ({{ _pipeline_snapshot_history_ends() }}) as history
            on deals.deal_id = history.deal_id
        where {{ _pipeline_snapshot_record_changed('deals') }}
        union all
        {# a previously assumed row (only after the latest kept row) may have gone: when the
           deal has an assumed row now, or its stored last day disagrees with its latest kept
           row (another stage; or absent although that stage is open) #}
        select min(stored.snapshot_date)
        from {{ ref('stg_crm__deals') }} as deals
        inner join ({{ _pipeline_snapshot_history_ends() }}) as history
            on deals.deal_id = history.deal_id
        left join {{ ref('stg_crm__pipeline_stages') }} as kept_stages
            on history.latest_kept_stage_id = kept_stages.stage_id
        left join {{ this }} as stored_last
            on history.deal_id = stored_last.deal_id
            and stored_last.snapshot_date = (select max(snapshot_date) from {{ this }})
        inner join {{ this }} as stored
            on history.deal_id = stored.deal_id
            and stored.snapshot_date >= {{ to_reporting_date('history.latest_kept_at') }}
        where {{ _pipeline_snapshot_record_changed('deals') }}
            and (
                history.assumed_at is not null
                or stored_last.stage_id <> history.latest_kept_stage_id
                or (stored_last.deal_id is null and kept_stages.stage_type = 'open')
            )
    ) as touched
{%- endmacro %}


{# Per deal with history: its latest kept row's changed_at and stage_id, and its assumed
   row's changed_at (v1.3; null when none). #}
{% macro _pipeline_snapshot_history_ends() -%}
    select
        deal_id,
        changed_at as latest_kept_at,
        stage_id as latest_kept_stage_id,
        assumed_at
    from (
        select
            deal_id,
            changed_at,
            stage_id,
            is_inferred,
            max(case when is_inferred then changed_at end) over (partition by deal_id) as assumed_at,
            row_number() over (
                partition by deal_id order by is_inferred nulls last, history_sequence desc
            ) as recency
        from {{ ref('int_deal_history_ordered') }}
    ) as history_ranked
    where recency = 1
        and not is_inferred
{%- endmacro %}

{# A deal record updated or closed on or after the last stored day. #}
{% macro _pipeline_snapshot_record_changed(deals) -%}
    (
        {{ to_reporting_date(deals ~ '.updated_at') }} >= (select max(snapshot_date) from {{ this }})
        or {{ to_reporting_date(deals ~ '.closed_at') }} >= (select max(snapshot_date) from {{ this }})
    )
{%- endmacro %}
