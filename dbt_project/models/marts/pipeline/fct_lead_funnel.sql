{# One row per person (int_leads_deduplicated): survivor's attributes, the group's
   milestones, and the outcome of the converted deal. v1.3, the prospect pipeline: the
   status (converted when converted, else the survivor's), the survivor's disqualification
   reason categorised with the lost reasons' mapping (int_lead_disqualifications_categorised;
   null unless the person's status is disqualified), and the first done activity linked to
   any lead of the person (int_leads_first_contacted). #}
with

persons as (
    select * from {{ ref('int_leads_deduplicated') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

users as (
    select * from {{ ref('stg_crm__users') }}
),

campaigns as (
    select * from {{ ref('stg_email__campaigns') }}
),

first_contacts as (
    select * from {{ ref('int_leads_first_contacted') }}
),

disqualification_categories as (
    select * from {{ ref('int_lead_disqualifications_categorised') }}
),

won_deals as (
    select
        deal_id,
        closed_at as won_at,
        amount_rc as won_amount_rc
    from deals
    where status = 'won'
        and not is_deleted
),

final as (
    select
        persons.lead_id,
        persons.email_hash,
        coalesce(persons.source, 'unknown') as source,
        case
            when persons.campaign_id is null or campaigns.campaign_id is not null then persons.campaign_id
            else 'unknown'
        end as campaign_id,
        case when users.user_id is not null then persons.owner_id else 'unknown' end as owner_id,
        persons.referrer_account_id,
        persons.converted_deal_id,
        won_deals.won_amount_rc,
        persons.leads_merged,
        persons.is_qualified,
        persons.converted_deal_id is not null as is_converted,
        won_deals.deal_id is not null as is_won,
        {{ days_between('persons.created_at', 'persons.qualified_at') }} as days_to_qualify,
        {{ days_between('persons.created_at', 'persons.converted_at') }} as days_to_convert,
        {{ days_between('persons.created_at', 'won_deals.won_at') }} as days_to_win,
        persons.created_at,
        persons.qualified_at,
        persons.converted_at,
        won_deals.won_at,
        case when persons.converted_deal_id is not null then 'converted' else persons.status end as status,
        coalesce(persons.converted_deal_id is null and persons.status = 'disqualified', false) as is_disqualified,
        case
            when persons.converted_deal_id is null and persons.status = 'disqualified'
                then coalesce(disqualification_categories.lost_reason_category, 'unspecified')
        end as disqualified_reason_category,
        first_contacts.first_contact_at,
        {{ days_between('persons.created_at', 'first_contacts.first_contact_at') }} * 24 as hours_to_first_contact,
        first_contacts.first_contact_at is not null as is_contacted
    from persons
    left join won_deals
        on persons.converted_deal_id = won_deals.deal_id
    left join users
        on persons.owner_id = users.user_id
    left join campaigns
        on persons.campaign_id = campaigns.campaign_id
    left join first_contacts
        on persons.person_key = first_contacts.person_key
    left join disqualification_categories
        on persons.lead_id = disqualification_categories.lead_id
)

select * from final
