{#
    One row per (not deleted) deal x open stage of its pipeline that the deal reached
    (docs/marts.md v1.3): the rows of int_deal_stages_reached (the one definition of
    "reached", "advanced" and `reached_at`) with the deal's own attributes from fct_deals,
    for slicing by rep, source, type, account and time. rpt_stage_conversion is its
    aggregate.
#}
with

stages_reached as (
    select * from {{ ref('int_deal_stages_reached') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

final as (
    select
        stages_reached.deal_id,
        stages_reached.pipeline_id,
        stages_reached.stage_id,
        deals.owner_id,
        deals.owner_at_close_id,
        deals.source,
        deals.deal_type,
        deals.account_id,
        deals.status,
        cast(stages_reached.stage_order as {{ dbt.type_bigint() }}) as stage_order,
        stages_reached.is_advanced,
        stages_reached.reached_at,
        deals.created_at
    from stages_reached
    inner join deals
        on stages_reached.deal_id = deals.deal_id
    where not deals.is_deleted
)

select * from final
