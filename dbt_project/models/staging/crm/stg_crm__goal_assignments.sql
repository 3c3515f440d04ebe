with resolved as (
    select * from {{ ref('base_crm__goal_assignments') }}
),

final as (
    select
        assignment_id,
        {{ clean_text('goal_id') }} as goal_id,
        {{ clean_text('user_id') }} as user_id,
        {{ deletion_columns() }},
        {{ parse_date('assigned_on') }} as assigned_on,
        {{ lineage_columns() }}
    from resolved
)

select * from final
