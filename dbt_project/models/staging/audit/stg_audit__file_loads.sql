{#
    The audit's bookkeeping: one row per (batch, export file) loaded. int_as_of_date reads
    the as-of date from it, the incremental pipeline snapshot the load times (its
    watermark). (The base models read audit.file_loads themselves.) `loaded_at` is cast to
    the project's timestamp: the lake's Parquet copy of the DuckDB table (Spark) holds it as
    a timestamp without time zone, a type of its own on Spark.
#}
with

file_loads as (
    select * from {{ source('audit', 'file_loads') }}
),

final as (
    select
        batch_date,
        source_file,
        records_read,
        records_loaded,
        records_quarantined,
        duplicates_removed,
        records_fixed,
        records_flagged,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at
    from file_loads
)

select * from final
