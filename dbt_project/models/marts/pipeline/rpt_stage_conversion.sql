{#
    One row per open stage x cohort month (deal creation) in which the pipeline has a
    deal, counting the deals that reached the stage and those that advanced from it
    (the rule is int_deal_stages_reached).
#}
with

deals as (
    select * from {{ ref('fct_deals') }}
),

stages_reached as (
    select * from {{ ref('fct_deal_stage_reached') }}
),

stages as (
    select * from {{ ref('stg_crm__pipeline_stages') }}
),

live_deals as (
    select
        deal_id,
        pipeline_id,
        cast({{ dbt.date_trunc('month', to_reporting_date('created_at')) }} as date) as cohort_month
    from deals
    where not is_deleted
),

cohort_months as (
    select distinct
        pipeline_id,
        cohort_month
    from live_deals
),

{# every open stage of the pipeline, also those no deal of the cohort reached #}
stage_cohorts as (
    select
        stages.pipeline_id,
        stages.stage_id,
        stages.stage_order,
        cohort_months.cohort_month
    from stages
    inner join cohort_months
        on stages.pipeline_id = cohort_months.pipeline_id
    where stages.stage_type = 'open'
),

reached_by_cohort as (
    select
        cast({{ dbt.date_trunc('month', to_reporting_date('created_at')) }} as date) as cohort_month,
        pipeline_id,
        stage_id,
        deal_id,
        is_advanced
    from stages_reached
),

counted as (
    select
        stage_cohorts.pipeline_id,
        stage_cohorts.stage_id,
        stage_cohorts.stage_order,
        stage_cohorts.cohort_month,
        count(reached_by_cohort.deal_id) as deals_reached,
        count(case when reached_by_cohort.is_advanced then reached_by_cohort.deal_id end) as deals_advanced
    from stage_cohorts
    left join reached_by_cohort
        on stage_cohorts.pipeline_id = reached_by_cohort.pipeline_id
        and stage_cohorts.stage_id = reached_by_cohort.stage_id
        and stage_cohorts.cohort_month = reached_by_cohort.cohort_month
    group by 1, 2, 3, 4
),

final as (
    select
        pipeline_id,
        stage_id,
        stage_order,
        cohort_month,
        deals_reached,
        deals_advanced,
        case
            when deals_reached > 0 then cast(deals_advanced as {{ type_double() }}) / deals_reached
        end as conversion_rate
    from counted
)

select * from final
