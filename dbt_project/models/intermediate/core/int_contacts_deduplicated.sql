{#
    Contacts with persons merged: within one account, contacts with the same normalised
    e-mail are one contact (the earliest created, then the lowest contact_id); contacts of
    different accounts never merge. `merged_into_contact_id` maps every contact to its
    survivor. Deleted contacts stay (dimensions keep them, with is_deleted).
#}
with

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

contacts_ranked as (
    select
        *,
        first_value(contact_id) over (
            partition by account_id, coalesce(email_hash, 'contact:' || contact_id)
            order by created_at nulls last, contact_id nulls last
        ) as merged_into_contact_id
    from contacts
),

final as (
    select
        contact_id,
        merged_into_contact_id,
        account_id,
        buying_role,
        job_title,
        email,
        email_hash,
        contact_id = merged_into_contact_id as is_survivor,
        is_deleted,
        deleted_at,
        created_at
    from contacts_ranked
)

select * from final
