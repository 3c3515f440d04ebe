{#
    Disqualified leads' free-text reason -> category (docs/marts.md v1.3, fct_lead_funnel),
    with the lost reasons' maintained mapping (seed lost_reason_mapping, macro
    categorise_reasons): normalised text, first pattern by priority, empty ->
    unspecified, no pattern -> other. One row per (not deleted) lead whose current status
    is disqualified.
#}
with

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

mapping as (
    select * from {{ ref('lost_reason_mapping') }}
),

disqualified_leads as (
    select
        lead_id,
        disqualified_reason
    from leads
    where status = 'disqualified'
        and not is_deleted
),

final as (
    {{ categorise_reasons('disqualified_leads', 'lead_id', 'disqualified_reason', 'mapping') }}
)

select * from final
