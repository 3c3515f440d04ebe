{#
    One row per person (docs/marts.md, "Persons"): leads with the same normalised
    e-mail are one person, represented by its earliest-created lead (then the lowest
    lead_id); milestones are the group's earliest, `is_*` any lead's, and
    `converted_deal_id` that of the earliest-converted lead. Leads without an e-mail are
    each their own person. Deleted leads are left out (they leave every mart but the
    dimensions).
#}
with

leads as (
    select * from {{ ref('stg_crm__leads') }}
    where not is_deleted
),

leads_grouped as (
    select
        *,
        coalesce(email_hash, 'lead:' || lead_id) as person_key
    from leads
),

leads_ranked as (
    select
        *,
        row_number() over (
            partition by person_key order by created_at nulls last, lead_id nulls last
        ) as survivor_rank,
        case when converted_deal_id is not null then row_number() over (
                partition by person_key, converted_deal_id is not null
                order by converted_at nulls last, lead_id nulls last
            )
        end as conversion_rank
    from leads_grouped
),

person_milestones as (
    select
        person_key,
        count(*) as leads_merged,
        min(qualified_at) as qualified_at,
        min(converted_at) as converted_at,
        max(case when qualified_at is not null or status = 'converted' then 1 else 0 end) as is_qualified_flag
    from leads_ranked
    group by person_key
),

first_conversions as (
    select
        person_key,
        converted_deal_id,
        converted_account_id
    from leads_ranked
    where conversion_rank = 1
),

final as (
    select
        survivors.lead_id,
        survivors.person_key,
        survivors.email_hash,
        survivors.campaign_id,
        survivors.referrer_account_id,
        survivors.owner_id,
        first_conversions.converted_account_id,
        first_conversions.converted_deal_id,
        survivors.source,
        survivors.status,
        person_milestones.leads_merged,
        person_milestones.is_qualified_flag = 1 as is_qualified,
        survivors.created_at,
        person_milestones.qualified_at,
        person_milestones.converted_at
    from leads_ranked as survivors
    inner join person_milestones
        on survivors.person_key = person_milestones.person_key
    left join first_conversions
        on survivors.person_key = first_conversions.person_key
    where survivors.survivor_rank = 1
)

select * from final
