{#
    One row per open stage x cohort month (deal creation) in which the pipeline has a
    deal. A deal reached stage s when it ever visited s or an open stage of higher order,
    or is currently won (skipped stages count as passed); it advanced when it reached the
    next open stage in order (or is currently won, for the last open stage).
#}
with

deals as (
    select * from {{ ref('fct_deals') }}
),

visits as (
    select * from {{ ref('fct_stage_durations') }}
),

stages as (
    select * from {{ ref('stg_crm__pipeline_stages') }}
),

open_stages as (
    select
        pipeline_id,
        stage_id,
        stage_order,
        lead(stage_order) over (partition by pipeline_id order by stage_order) as next_open_stage_order
    from stages
    where stage_type = 'open'
),

live_deals as (
    select
        deal_id,
        pipeline_id,
        status,
        cast({{ dbt.date_trunc('month', to_reporting_date('created_at')) }} as date) as cohort_month
    from deals
    where not is_deleted
),

highest_open_visit as (
    select
        visits.deal_id,
        max(stages.stage_order) as max_open_stage_order
    from visits
    inner join stages
        on visits.stage_id = stages.stage_id
    where stages.stage_type = 'open'
    group by visits.deal_id
),

deal_progress as (
    select
        live_deals.deal_id,
        live_deals.pipeline_id,
        live_deals.cohort_month,
        live_deals.status = 'won' as is_won,
        highest_open_visit.max_open_stage_order
    from live_deals
    left join highest_open_visit
        on live_deals.deal_id = highest_open_visit.deal_id
),

cohort_months as (
    select distinct
        pipeline_id,
        cohort_month
    from live_deals
),

stage_cohorts as (
    select
        open_stages.pipeline_id,
        open_stages.stage_id,
        open_stages.stage_order,
        open_stages.next_open_stage_order,
        cohort_months.cohort_month
    from open_stages
    inner join cohort_months
        on open_stages.pipeline_id = cohort_months.pipeline_id
),

counted as (
    select
        stage_cohorts.pipeline_id,
        stage_cohorts.stage_id,
        stage_cohorts.stage_order,
        stage_cohorts.cohort_month,
        count(case
            when deal_progress.is_won or deal_progress.max_open_stage_order >= stage_cohorts.stage_order
                then deal_progress.deal_id
        end) as deals_reached,
        count(case
            when deal_progress.is_won
                or deal_progress.max_open_stage_order >= stage_cohorts.next_open_stage_order
                then deal_progress.deal_id
        end) as deals_advanced
    from stage_cohorts
    left join deal_progress
        on stage_cohorts.pipeline_id = deal_progress.pipeline_id
        and stage_cohorts.cohort_month = deal_progress.cohort_month
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
