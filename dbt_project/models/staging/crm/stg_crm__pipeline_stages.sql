with resolved as (
    select * from {{ ref('base_crm__pipeline_stages') }}
),

final as (
    select
        stage_id,
        {{ clean_text('pipeline_id') }} as pipeline_id,
        {{ clean_text('pipeline_name') }} as pipeline_name,
        {{ clean_text('stage_name') }} as stage_name,
        {{ normalise_enum('stage_type', category_values('stage_types')) }} as stage_type,
        {{ parse_integer('stage_order') }} as stage_order,
        {{ parse_decimal('probability') }} as probability,
        {{ deletion_columns() }},
        {{ lineage_columns() }}
    from resolved
)

select * from final
