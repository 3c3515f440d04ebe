{#
    The first day fct_pipeline_snapshot must recompute on an incremental run: the day after
    the last stored day, or earlier when a batch loaded since the last build
    (`loaded_at` of stg_audit__file_loads after the stored `loaded_through_at`) touches a stored
    day: a new or corrected deal-history row (from its business day), a new or corrected
    fx rate (from its rate date), or a deal now deleted or with another source, pipeline
    or creation date than stored (from its first stored day). Not detected: a history
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
    ) as touched
{%- endmacro %}
