with resolved as (
    select * from {{ ref('base_crm__leads') }}
),

final as (
    select
        lead_id,
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ clean_text('referrer_account_id') }} as referrer_account_id,
        {{ clean_text('owner_id') }} as owner_id,
        {{ clean_text('converted_account_id') }} as converted_account_id,
        {{ clean_text('converted_contact_id') }} as converted_contact_id,
        {{ clean_text('converted_deal_id') }} as converted_deal_id,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        {{ normalise_email('email') }} as email,
        {{ email_hash('email') }} as email_hash,
        {{ clean_text('company_name') }} as company_name,
        {{ normalise_category('source', category_values('lead_sources')) }} as source,
        {{ normalise_enum('status', category_values('lead_statuses')) }} as status,
        {{ clean_text('disqualified_reason') }} as disqualified_reason,
        {{ flags_column([email_check('email'), category_check('source', category_values('lead_sources'))]) }} as flags,
        {{ deletion_columns() }},
        {{ parse_iso_timestamp('created_at') }} as created_at,
        {{ parse_iso_timestamp('qualified_at') }} as qualified_at,
        {{ parse_iso_timestamp('converted_at') }} as converted_at,
        {{ parse_iso_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }}
    from resolved
)

select * from final
