with resolved as (
    select * from {{ ref('base_crm__users') }}
),

final as (
    select
        user_id,
        {{ clean_text('manager_id') }} as manager_id,
        {{ clean_text('full_name') }} as full_name,
        {{ normalise_email('email') }} as email,
        {{ email_hash('email') }} as email_hash,
        {{ normalise_enum('role', category_values('user_roles')) }} as role,
        {{ clean_text('team') }} as team,
        {{ clean_text('territory') }} as territory,
        {{ flags_column([email_check('email')]) }} as flags,
        {{ parse_boolean('is_active') }} as is_active,
        {{ deletion_columns() }},
        {{ parse_date('hired_on') }} as hired_on,
        {{ parse_date('deactivated_on') }} as deactivated_on,
        {{ lineage_columns() }}
    from resolved
)

select * from final
