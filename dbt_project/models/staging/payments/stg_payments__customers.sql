with resolved as (
    select * from {{ ref('base_payments__customers') }}
),

final as (
    select
        customer_id,
        {{ clean_text('metadata_crm_account_id') }} as metadata_crm_account_id,
        {{ normalise_email('email') }} as email,
        {{ email_hash('email') }} as email_hash,
        {{ clean_text('name') }} as customer_name,
        upper({{ clean_text('country') }}) as country,
        {{ flags_column([email_check('email')]) }} as flags,
        {{ deletion_columns() }},
        {{ parse_payments_timestamp('created') }} as created_at,
        {{ lineage_columns() }}
    from resolved
)

select * from final
