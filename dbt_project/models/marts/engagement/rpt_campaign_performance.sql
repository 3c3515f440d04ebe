{#
    One row per e-mail campaign (not deleted): reach and responses from the e-mail
    events, and what the campaign brought: persons (fct_lead_funnel, one row per person)
    whose campaign_id is the campaign, their won deals (purchases), the won revenue
    (won_amount_rc: a lead's won revenue is attributed to its campaign) and the net-new
    customers among those deals' accounts.
#}
with

campaigns as (
    select * from {{ ref('dim_campaign') }}
),

events as (
    select * from {{ ref('fct_email_events') }}
),

persons as (
    select * from {{ ref('fct_lead_funnel') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

event_counts as (
    select
        campaign_id,
        count(distinct case when event = 'sent' then email_hash end) as recipients,
        count(distinct case when event = 'delivered' then email_hash end) as delivered,
        count(distinct case when event = 'open' then email_hash end) as openers,
        count(distinct case when event = 'click' then email_hash end) as clickers,
        count(distinct case when event in ('open', 'click') then email_hash end) as responses,
        count(distinct case when event = 'bounce' then email_hash end) as bounces,
        count(distinct case when event = 'unsubscribe' then email_hash end) as unsubscribes,
        count(distinct case when event = 'spam_report' then email_hash end) as spam_reports
    from events
    group by campaign_id
),

lead_outcomes as (
    select
        persons.campaign_id,
        count(*) as leads,
        sum(case when persons.is_converted then 1 else 0 end) as converted_leads,
        sum(case when persons.is_won then 1 else 0 end) as purchases,
        sum(case when persons.is_won then persons.won_amount_rc end) as revenue_rc,
        count(distinct case when persons.is_won and deals.is_net_new then deals.account_id end) as new_customers
    from persons
    left join deals
        on persons.converted_deal_id = deals.deal_id
    where persons.campaign_id is not null
    group by persons.campaign_id
),

final as (
    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.status,
        cast(campaigns.cost_rc as {{ type_double() }}) as cost_rc,
        cast(coalesce(event_counts.recipients, 0) as bigint) as recipients,
        cast(coalesce(event_counts.delivered, 0) as bigint) as delivered,
        cast(coalesce(event_counts.openers, 0) as bigint) as openers,
        cast(coalesce(event_counts.clickers, 0) as bigint) as clickers,
        cast(coalesce(event_counts.responses, 0) as bigint) as responses,
        cast(coalesce(event_counts.bounces, 0) as bigint) as bounces,
        cast(coalesce(event_counts.unsubscribes, 0) as bigint) as unsubscribes,
        cast(coalesce(event_counts.spam_reports, 0) as bigint) as spam_reports,
        cast(event_counts.responses as {{ type_double() }}) / nullif(event_counts.recipients, 0) as response_rate,
        cast(coalesce(lead_outcomes.leads, 0) as bigint) as leads,
        cast(coalesce(lead_outcomes.converted_leads, 0) as bigint) as converted_leads,
        cast(coalesce(lead_outcomes.purchases, 0) as bigint) as purchases,
        cast(coalesce(lead_outcomes.revenue_rc, 0) as {{ type_double() }}) as revenue_rc,
        cast(coalesce(lead_outcomes.new_customers, 0) as bigint) as new_customers,
        cast(coalesce(lead_outcomes.revenue_rc, 0) / nullif(campaigns.cost_rc, 0) as {{ type_double() }}) as revenue_per_cost,
        campaigns.sent_at
    from campaigns
    left join event_counts
        on campaigns.campaign_id = event_counts.campaign_id
    left join lead_outcomes
        on campaigns.campaign_id = lead_outcomes.campaign_id
    where campaigns.campaign_id <> 'unknown'
        and not campaigns.is_deleted
)

select * from final
