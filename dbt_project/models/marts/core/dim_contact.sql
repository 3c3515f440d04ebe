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

unknown_member as (
    select
        'unknown' as contact_id,
        'unknown' as account_id,
        cast(null as {{ dbt.type_string() }}) as buying_role,
        cast(null as {{ dbt.type_string() }}) as job_title,
        cast(null as {{ dbt.type_string() }}) as email_hash,
        false as is_deleted,
        cast(null as {{ dbt.type_timestamp() }}) as created_at,
        cast(null as {{ dbt.type_timestamp() }}) as deleted_at
),

final as (
    select * from known_contacts
    union all
    select * from unknown_member
)

select * from final
