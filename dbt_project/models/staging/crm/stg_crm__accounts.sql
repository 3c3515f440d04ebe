with resolved as (
    select * from {{ ref('base_crm__accounts') }}
),

final as (
    select
        account_id,
        {{ clean_text('owner_id') }} as owner_id,
        {{ clean_text('name') }} as account_name,
        lower({{ clean_text('domain') }}) as domain,
        {{ clean_text('industry') }} as industry,
        {{ normalise_category('segment', category_values('segments')) }} as segment,
        upper({{ clean_text('country') }}) as country,
        {{ normalise_enum('status', category_values('account_statuses')) }} as status,
        {{ clean_text('inactive_reason') }} as inactive_reason,
        {{ flags_column([category_check('segment', category_values('segments'))]) }} as flags,
        {{ deletion_columns() }},
        {{ parse_date('inactive_since') }} as inactive_since,
        {{ parse_iso_timestamp('created_at') }} as created_at,
        {{ parse_iso_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }}
    from resolved
)

select * from final
