{# One row per person (int_leads_deduplicated): survivor's attributes, the group's
   milestones, and the outcome of the converted deal. #}
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
        won_deals.won_at
    from persons
    left join won_deals
        on persons.converted_deal_id = won_deals.deal_id
    left join users
        on persons.owner_id = users.user_id
    left join campaigns
        on persons.campaign_id = campaigns.campaign_id
)

select * from final
