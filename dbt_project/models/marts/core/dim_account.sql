{#
    `is_customer`: a won deal (not deleted) or a succeeded charge of a matched payment
    customer. `first_won_at`: earliest closed_at of the non-deleted won deals;
    `last_activity_at`: latest done activity on the account or on one of its deals.
#}
with

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

deals as (
    select * from {{ ref('stg_crm__deals') }}
),

activities as (
    select * from {{ ref('stg_crm__activities') }}
),

charges as (
    select * from {{ ref('stg_payments__charges') }}
),

payment_customers as (
    select * from {{ ref('map_payment_customer') }}
),

won_deals as (
    select
        account_id,
        min(closed_at) as first_won_at
    from deals
    where status = 'won'
        and not is_deleted
    group by account_id
),

charging_accounts as (
    select distinct payment_customers.account_id
    from charges
    inner join payment_customers
        on charges.customer_id = payment_customers.customer_id
    where charges.status = 'succeeded'
        and payment_customers.account_id is not null
),

activity_accounts as (
    select
        coalesce(activities.account_id, deals.account_id) as account_id,
        activities.occurred_at
    from activities
    left join deals
        on activities.deal_id = deals.deal_id
    where activities.status = 'done'
    union all
    {# an activity on an account and on a deal of another account counts for both #}
    select
        deals.account_id,
        activities.occurred_at
    from activities
    inner join deals
        on activities.deal_id = deals.deal_id
    where activities.status = 'done'
        and activities.account_id is not null
        and activities.account_id <> deals.account_id
),

last_activities as (
    select
        account_id,
        max(occurred_at) as last_activity_at
    from activity_accounts
    group by account_id
),

known_accounts as (
    select
        accounts.account_id,
        accounts.owner_id,
        accounts.account_name,
        accounts.domain,
        accounts.industry,
        accounts.segment,
        accounts.country,
        accounts.status,
        accounts.inactive_reason,
        (won_deals.account_id is not null or charging_accounts.account_id is not null) as is_customer,
        accounts.is_deleted,
        accounts.inactive_since,
        won_deals.first_won_at,
        last_activities.last_activity_at,
        accounts.created_at,
        accounts.deleted_at
    from accounts
    left join won_deals
        on accounts.account_id = won_deals.account_id
    left join charging_accounts
        on accounts.account_id = charging_accounts.account_id
    left join last_activities
        on accounts.account_id = last_activities.account_id
),

final as (
    {{ union_unknown_member('known_accounts', {'account_id': 'unknown', 'account_name': 'Unknown'}) }}
)

select * from final
