with resolved as (
    select * from {{ ref('base_support__tickets') }}
),

final as (
    select
        {{ adapter.quote('id') }} as ticket_id,
        {{ clean_text('assignee_id') }} as assignee_id,
        {{ clean_text('subject') }} as subject,
        {{ clean_text('description') }} as description,
        {{ normalise_email('requester_email') }} as requester_email,
        {{ email_hash('requester_email') }} as email_hash,
        {{ clean_text('requester_name') }} as requester_name,
        {{ normalise_category('channel', category_values('ticket_channels')) }} as channel,
        {{ normalise_category('priority', category_values('ticket_priorities')) }} as priority,
        {{ normalise_enum('status', category_values('ticket_statuses')) }} as status,
        {{ normalise_category(adapter.quote('type'), category_values('ticket_types')) }} as ticket_type,
        {{ normalise_enum('satisfaction', category_values('ticket_satisfactions')) }} as satisfaction,
        {# JSON array text as exported, e.g. ["api","sync"] #}
        {{ clean_text('tags') }} as tags,
        {{ flags_column([email_check('requester_email'), category_check('channel', category_values('ticket_channels')), category_check('priority', category_values('ticket_priorities')), category_check(adapter.quote('type'), category_values('ticket_types'), name='type')]) }} as flags,
        {{ parse_integer('first_reply_minutes') }} as first_reply_minutes,
        {{ parse_integer('full_resolution_minutes') }} as full_resolution_minutes,
        {{ parse_integer('agent_work_minutes') }} as agent_work_minutes,
        {{ parse_integer('reopens') }} as reopens,
        {{ parse_integer('replies') }} as replies,
        {{ parse_integer('sla_first_reply_target_minutes') }} as sla_first_reply_target_minutes,
        coalesce({{ json_array_contains('tags', 'complaint') }}, false) as has_complaint_tag,
        {{ parse_iso_timestamp('created_at') }} as created_at,
        {{ parse_iso_timestamp('updated_at') }} as updated_at,
        {{ parse_iso_timestamp('solved_at') }} as solved_at,
        {{ lineage_columns() }}
    from resolved
)

select * from final
