{#
    Lost deals' free-text reason -> category (seed lost_reason_mapping): the text is
    lower-cased, trimmed and its inner whitespace collapsed; the first pattern (lowest
    `priority`, i.e. seed order) that it contains wins; empty -> unspecified; no pattern
    -> other (the macro categorise_reasons, macros/reason_categories.sql, which the lead
    funnel's disqualification reasons share). One row per deal whose current status is lost.
#}
with

deals as (
    select * from {{ ref('stg_crm__deals') }}
),

mapping as (
    select * from {{ ref('lost_reason_mapping') }}
),

lost_deals as (
    select
        deal_id,
        lost_reason
    from deals
    where status = 'lost'
),

final as (
    {{ categorise_reasons('lost_deals', 'deal_id', 'lost_reason', 'mapping') }}
)

select * from final
