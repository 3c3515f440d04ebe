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

final as (
    {{ union_unknown_member('known_stages', {'pipeline_id': 'unknown', 'pipeline_name': 'Unknown', 'stage_id': 'unknown', 'stage_name': 'Unknown'}) }}
)

select * from final
