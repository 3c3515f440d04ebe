{# `cost_rc`: the campaign cost converted at `sent_at` (at the as-of date for drafts). #}
with

campaigns as (
    select * from {{ ref('stg_email__campaigns') }}
),

campaigns_dated as (
    select
        *,
        coalesce({{ to_reporting_date('sent_at') }}, {{ as_of_date() }}) as cost_date
    from campaigns
),

known_campaigns as (
    select
        campaigns_dated.campaign_id,
        campaigns_dated.list_id,
        campaigns_dated.campaign_name,
        campaigns_dated.status,
        campaigns_dated.currency,
        campaigns_dated.cost,
        {{ convert_currency('campaigns_dated.cost', 'campaigns_dated.currency', 'fx_cost') }} as cost_rc,
        campaigns_dated.is_deleted,
        campaigns_dated.sent_at,
        campaigns_dated.deleted_at
    from campaigns_dated
    {{ fx_joins('campaigns_dated.currency', 'campaigns_dated.cost_date', 'fx_cost') }}
),

final as (
    {{ union_unknown_member('known_campaigns', {'campaign_id': 'unknown', 'campaign_name': 'Unknown'}) }}
)

select * from final
