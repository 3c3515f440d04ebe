with

stages as (
    select * from {{ ref('stg_crm__pipeline_stages') }}
),

known_stages as (
    select
        pipeline_id,
        pipeline_name,
        stage_id,
        stage_name,
        stage_type,
        stage_order,
        cast(probability as {{ type_double() }}) as probability,
        is_deleted
    from stages
),

unknown_member as (
    select
        'unknown' as pipeline_id,
        'Unknown' as pipeline_name,
        'unknown' as stage_id,
        'Unknown' as stage_name,
        cast(null as {{ dbt.type_string() }}) as stage_type,
        cast(null as {{ dbt.type_bigint() }}) as stage_order,
        cast(null as {{ type_double() }}) as probability,
        false as is_deleted
),

final as (
    select * from known_stages
    union all
    select * from unknown_member
)

select * from final
