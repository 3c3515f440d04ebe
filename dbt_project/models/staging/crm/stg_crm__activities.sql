with resolved as (
    select * from {{ ref('base_crm__activities') }}
),

final as (
    select
        activity_id,
        {{ clean_text('user_id') }} as user_id,
        {{ clean_text('lead_id') }} as lead_id,
        {{ clean_text('deal_id') }} as deal_id,
        {{ clean_text('contact_id') }} as contact_id,
        {{ clean_text('account_id') }} as account_id,
        {{ normalise_category('activity_type', category_values('activity_types')) }} as activity_type,
        {{ normalise_category('outcome', category_values('activity_outcomes')) }} as outcome,
        {{ normalise_enum('status', category_values('activity_statuses')) }} as status,
        {{ clean_text('subject') }} as subject,
        {{ clean_text('notes') }} as notes,
        {{ flags_column([category_check('activity_type', category_values('activity_types')), category_check('outcome', category_values('activity_outcomes'))]) }} as flags,
        {{ parse_integer('duration_minutes') }} as duration_minutes,
        {{ parse_iso_timestamp('occurred_at') }} as occurred_at,
        {{ lineage_columns() }}
    from resolved
)

select * from final
