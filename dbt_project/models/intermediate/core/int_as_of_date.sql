{#
    The as-of date, defined once: the latest loaded export date (the greatest batch_date of
    the audit's file loads). One row; null before the first load. Marts read it through
    the macros as_of_date() and as_of_at() (macros/currency.sql), never the audit itself.
#}
with

file_loads as (
    select * from {{ ref('stg_audit__file_loads') }}
),

final as (
    select max(batch_date) as as_of_date
    from file_loads
)

select * from final
