{#
    Key (list_id, email). The base model resolves on the e-mail as exported; the normalised
    e-mail is the business key (a unique test checks that no two exported spellings of
    one address are current in the same list).
#}
with resolved as (
    select * from {{ ref('base_email__list_members') }}
),

final as (
    select
        list_id,
        {{ normalise_email('email') }} as email,
        {{ email_hash('email') }} as email_hash,
        {{ normalise_enum('status', category_values('member_statuses')) }} as status,
        {{ flags_column([email_check('email')]) }} as flags,
        {{ deletion_columns() }},
        {{ parse_iso_timestamp('subscribed_at') }} as subscribed_at,
        {{ parse_iso_timestamp('unsubscribed_at') }} as unsubscribed_at,
        {{ lineage_columns() }}
    from resolved
)

select * from final
