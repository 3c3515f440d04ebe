{#
    Active and inactive accounts that reached each open stage (forecasting article): one
    row per (account, open stage) the account reached with at least one not-deleted deal,
    with the account's status and the reason it became inactive. Reached as in
    rpt_stage_conversion (int_deal_stages_reached); account_id as in fct_deals (the
    unknown member when the account is missing).
#}
with

deals as (
    select * from {{ ref('fct_deals') }}
),

stages_reached as (
    select * from {{ ref('int_deal_stages_reached') }}
),

accounts as (
    select * from {{ ref('dim_account') }}
),

deals_reached as (
    select
        deals.account_id,
        stages_reached.pipeline_id,
        stages_reached.stage_id,
        stages_reached.stage_order,
        deals.deal_id,
        deals.created_at
    from stages_reached
    inner join deals
        on stages_reached.deal_id = deals.deal_id
),

final as (
    select
        deals_reached.account_id,
        deals_reached.pipeline_id,
        deals_reached.stage_id,
        deals_reached.stage_order,
        accounts.status as account_status,
        accounts.inactive_reason,
        count(distinct deals_reached.deal_id) as deals_reached,
        coalesce(accounts.status = 'inactive', false) as is_inactive,
        accounts.inactive_since,
        min(deals_reached.created_at) as first_deal_created_at
    from deals_reached
    left join accounts
        on deals_reached.account_id = accounts.account_id
    group by 1, 2, 3, 4, 5, 6, 8, 9
)

select * from final
