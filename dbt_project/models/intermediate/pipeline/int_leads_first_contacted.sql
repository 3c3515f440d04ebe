{#
    First contact of each person (docs/marts.md v1.3, fct_lead_funnel): the earliest
    occurred_at of done activities (any type) linked to any (not deleted) lead of the
    person. Persons are keyed as int_leads_deduplicated keys them (the normalised e-mail's
    hash, else 'lead:' || lead_id). One row per contacted person.
#}
with

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

activities as (
    select * from {{ ref('stg_crm__activities') }}
),

lead_persons as (
    select
        lead_id,
        coalesce(email_hash, 'lead:' || lead_id) as person_key
    from leads
    where not is_deleted
),

final as (
    select
        lead_persons.person_key,
        min(activities.occurred_at) as first_contact_at
    from activities
    inner join lead_persons
        on activities.lead_id = lead_persons.lead_id
    where activities.status = 'done'
    group by lead_persons.person_key
)

select * from final
