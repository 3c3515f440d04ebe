{# One row per (source, cohort month of the person's lead creation) with at least one
   lead; rates over the cohort's leads. #}
with

lead_funnel as (
    select * from {{ ref('fct_lead_funnel') }}
),

cohorts as (
    select
        source,
        cast({{ dbt.date_trunc('month', to_reporting_date('created_at')) }} as date) as cohort_month,
        count(*) as leads,
        count(case when is_qualified then 1 end) as qualified,
        count(case when is_converted then 1 end) as converted,
        count(case when is_won then 1 end) as won,
        coalesce(sum(case when is_won then won_amount_rc end), 0) as won_revenue_rc,
        avg(case when is_won then days_to_win end) as avg_days_to_win
    from lead_funnel
    group by 1, 2
),

final as (
    select
        source,
        cohort_month,
        leads,
        qualified,
        converted,
        won,
        cast(qualified as {{ type_double() }}) / leads as qualification_rate,
        cast(converted as {{ type_double() }}) / leads as conversion_rate,
        cast(won as {{ type_double() }}) / leads as close_rate,
        won_revenue_rc,
        avg_days_to_win
    from cohorts
)

select * from final
