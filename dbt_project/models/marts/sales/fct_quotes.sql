{#
    One row per quote (offer) of a deal, deleted quotes left out. Offers presented are
    quotes with a sent_at (status sent, accepted, rejected or expired). The total is
    converted at the day the quote was sent (created, for drafts).
#}
with

quotes as (
    select * from {{ ref('stg_crm__quotes') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

quotes_dated as (
    select
        quotes.*,
        {{ to_reporting_date('coalesce(quotes.sent_at, quotes.created_at)') }} as conversion_date
    from quotes
    where not quotes.is_deleted
),

final as (
    select
        quotes_dated.quote_id,
        quotes_dated.deal_id,
        deals.owner_id,
        deals.account_id,
        quotes_dated.status,
        quotes_dated.currency,
        quotes_dated.total_amount,
        cast(
            {{ convert_currency('quotes_dated.total_amount', 'quotes_dated.currency', 'fx') }} as {{ type_double() }}
        ) as total_amount_rc,
        quotes_dated.sent_at is not null as is_presented,
        {{ to_reporting_date('quotes_dated.sent_at') }} as sent_date,
        quotes_dated.created_at,
        quotes_dated.sent_at
    from quotes_dated
    left join deals
        on quotes_dated.deal_id = deals.deal_id
    {{ fx_joins('quotes_dated.currency', 'quotes_dated.conversion_date', 'fx') }}
)

select * from final
