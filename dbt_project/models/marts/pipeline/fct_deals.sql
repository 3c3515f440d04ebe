{#
    One row per deal, deleted ones included (is_deleted, deleted_at). Current attributes
    from deals.csv; from the history: the owner at close (first row of the last visit,
    when closed) and the first amount. `amount_rc` and `first_amount_rc` are converted at
    closed_at for closed deals, at the as-of date for open ones.
    v1.3: repeat wins (won, not deleted, not net new); the latest done activity and, for
    open deals, the days since it (else since creation) to the as-of time, stale beyond
    the dbt var `stale_after_days` (default 14); the deal's quotes (first sent, sent,
    accepted; deleted quotes left out).
#}
with

deals as (
    select * from {{ ref('stg_crm__deals') }}
),

history as (
    select * from {{ ref('int_deal_history_ordered') }}
),

visits as (
    select * from {{ ref('int_deal_visits_grouped') }}
),

lost_reasons as (
    select * from {{ ref('int_deal_lost_reasons_categorised') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

users as (
    select * from {{ ref('stg_crm__users') }}
),

stages as (
    select * from {{ ref('stg_crm__pipeline_stages') }}
),

activities as (
    select * from {{ ref('stg_crm__activities') }}
),

quotes as (
    select * from {{ ref('stg_crm__quotes') }}
),

deal_activity as (
    select
        deal_id,
        max(occurred_at) as last_activity_at
    from activities
    where status = 'done'
        and deal_id is not null
    group by deal_id
),

deal_quotes as (
    select
        deal_id,
        min(sent_at) as first_quote_sent_at,
        count(sent_at) as quotes_sent,
        count(case when status = 'accepted' then 1 end) as quotes_accepted
    from quotes
    where not is_deleted
        and deal_id is not null
    group by deal_id
),

first_history_rows as (
    select
        deal_id,
        amount as first_amount,
        currency as first_currency
    from history
    where history_sequence = 1
),

final_visits as (
    select
        deal_id,
        entered_by_owner_id as owner_at_close_id
    from visits
    where is_current
        and stage_type in ('won', 'lost')
),

deals_dated as (
    select
        deals.*,
        deals.status in ('won', 'lost') as is_closed,
        case
            when deals.status in ('won', 'lost') then {{ to_reporting_date('deals.closed_at') }}
            else {{ as_of_date() }}
        end as conversion_date
    from deals
),

deals_converted as (
    select
        deals_dated.*,
        first_history_rows.first_amount,
        first_history_rows.first_currency,
        {{ convert_currency('deals_dated.amount', 'deals_dated.currency', 'fx_amount') }} as amount_rc,
        {{ convert_currency('first_history_rows.first_amount', 'first_history_rows.first_currency', 'fx_first') }} as first_amount_rc
    from deals_dated
    left join first_history_rows
        on deals_dated.deal_id = first_history_rows.deal_id
    {{ fx_joins('deals_dated.currency', 'deals_dated.conversion_date', 'fx_amount') }}
    {{ fx_joins('first_history_rows.first_currency', 'deals_dated.conversion_date', 'fx_first') }}
),

net_new_ranked as (
    select
        deal_id,
        row_number() over (
            partition by account_id order by closed_at nulls last, deal_id nulls last
        ) as won_rank
    from deals
    where status = 'won'
        and not is_deleted
        and account_id is not null
),

deals_measured as (
    select
        deals_converted.deal_id,
        deal_activity.last_activity_at,
        case
            when not deals_converted.is_closed
                then {{ days_between('coalesce(deal_activity.last_activity_at, deals_converted.created_at)', as_of_at()) }}
        end as days_since_activity
    from deals_converted
    left join deal_activity
        on deals_converted.deal_id = deal_activity.deal_id
),

final as (
    select
        deals_converted.deal_id,
        case
            when accounts.account_id is not null then deals_converted.account_id
            else 'unknown'
        end as account_id,
        deals_converted.contact_id,
        deals_converted.lead_id,
        case
            when owners.user_id is not null then deals_converted.owner_id
            else 'unknown'
        end as owner_id,
        case
            when not deals_converted.is_closed then null
            when closing_owners.user_id is not null then final_visits.owner_at_close_id
            else 'unknown'
        end as owner_at_close_id,
        deals_converted.pipeline_id,
        case
            when stages.stage_id is not null then deals_converted.stage_id
            else 'unknown'
        end as stage_id,
        coalesce(deals_converted.source, 'unknown') as source,
        deals_converted.deal_type,
        deals_converted.status,
        case when deals_converted.status = 'lost' then lost_reasons.lost_reason_category end as lost_reason_category,
        deals_converted.currency,
        deals_converted.amount,
        deals_converted.amount_rc,
        deals_converted.first_amount_rc,
        case
            when deals_converted.is_closed
                then {{ days_between('deals_converted.created_at', 'deals_converted.closed_at') }}
        end as sales_cycle_days,
        coalesce(deals_converted.status = 'won' and deals_converted.amount_rc > deals_converted.first_amount_rc, false) as is_amount_increased,
        coalesce(
            deals_converted.status = 'won'
            and (
                deals_converted.deal_type = 'upsell'
                or coalesce(deals_converted.amount_rc > deals_converted.first_amount_rc, false)
            ),
            false
        ) as is_upsell,
        coalesce(net_new_ranked.won_rank = 1, false) as is_net_new,
        deals_converted.is_deleted,
        coalesce(
            deals_converted.status = 'won'
            and not deals_converted.is_deleted
            and coalesce(net_new_ranked.won_rank <> 1, true),
            false
        ) as is_repeat_win,
        deals_measured.last_activity_at,
        deals_measured.days_since_activity,
        coalesce(deals_measured.days_since_activity > {{ var('stale_after_days', 14) }}, false) as is_stale,
        deal_quotes.first_quote_sent_at,
        {{ days_between('deals_converted.created_at', 'deal_quotes.first_quote_sent_at') }} as days_to_first_quote,
        coalesce(deal_quotes.quotes_sent, 0) as quotes_sent,
        coalesce(deal_quotes.quotes_accepted, 0) as quotes_accepted,
        deals_converted.expected_close_date,
        deals_converted.created_at,
        deals_converted.closed_at,
        deals_converted.deleted_at
    from deals_converted
    left join final_visits
        on deals_converted.deal_id = final_visits.deal_id
    left join lost_reasons
        on deals_converted.deal_id = lost_reasons.deal_id
    left join net_new_ranked
        on deals_converted.deal_id = net_new_ranked.deal_id
    left join deals_measured
        on deals_converted.deal_id = deals_measured.deal_id
    left join deal_quotes
        on deals_converted.deal_id = deal_quotes.deal_id
    left join accounts
        on deals_converted.account_id = accounts.account_id
    left join users as owners
        on deals_converted.owner_id = owners.user_id
    left join users as closing_owners
        on final_visits.owner_at_close_id = closing_owners.user_id
    left join stages
        on deals_converted.stage_id = stages.stage_id
)

select * from final
