with resolved as (
    select * from {{ ref('base_crm__contacts') }}
),

final as (
    select
        contact_id,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        {{ normalise_email('email') }} as email,
        {{ email_hash('email') }} as email_hash,
        {{ clean_text('phone') }} as phone,
        {{ clean_text('job_title') }} as job_title,
        {{ normalise_category('buying_role', category_values('buying_roles')) }} as buying_role,
        {{ flags_column([email_check('email'), category_check('buying_role', category_values('buying_roles'))]) }} as flags,
        {{ deletion_columns() }},
        {{ parse_iso_timestamp('created_at') }} as created_at,
        {{ parse_iso_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }}
    from resolved
)

select * from final
