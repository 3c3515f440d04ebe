{# One row per contact person (duplicates within an account merged, see
   int_contacts_deduplicated); no name, e-mail or phone, only `email_hash`. #}
with

contacts as (
    select * from {{ ref('int_contacts_deduplicated') }}
),

known_contacts as (
    select
        contact_id,
        account_id,
        buying_role,
        job_title,
        email_hash,
        is_deleted,
        created_at,
        deleted_at
    from contacts
    where is_survivor
),

final as (
    {{ union_unknown_member('known_contacts', {'contact_id': 'unknown', 'account_id': 'unknown'}) }}
)

select * from final
