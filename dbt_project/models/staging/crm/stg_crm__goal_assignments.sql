with resolved as (
    {{ resolve_snapshot(
        relation=source('raw', 'crm__goal_assignments'),
        source_file='crm/goal_assignments.csv',
        key_columns=['assignment_id'],
    ) }}
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
