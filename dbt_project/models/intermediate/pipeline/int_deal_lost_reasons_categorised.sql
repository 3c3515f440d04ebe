{#
    Lost deals' free-text reason -> category (seed lost_reason_mapping): the text is
    lower-cased, trimmed and its inner whitespace collapsed; the first pattern (lowest
    `priority`, i.e. seed order) that it contains wins; empty -> unspecified; no pattern
    -> other. One row per deal whose current status is lost.
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
        {{ normalise_free_text('lost_reason') }} as reason_text
    from deals
    where status = 'lost'
),

pattern_matches as (
    select
        lost_deals.deal_id,
        mapping.lost_reason_category,
        row_number() over (
            partition by lost_deals.deal_id order by mapping.priority
        ) as match_rank
    from lost_deals
    inner join mapping
        on {{ dbt.position(normalise_free_text('mapping.pattern'), 'lost_deals.reason_text') }} > 0
    where lost_deals.reason_text <> ''
),

final as (
    select
        lost_deals.deal_id,
        cast(case
            when lost_deals.reason_text is null or lost_deals.reason_text = '' then 'unspecified'
            when pattern_matches.lost_reason_category is null then 'other'
            else pattern_matches.lost_reason_category
        end as {{ dbt.type_string() }}) as lost_reason_category
    from lost_deals
    left join pattern_matches
        on lost_deals.deal_id = pattern_matches.deal_id
        and pattern_matches.match_rank = 1
)

select * from final
