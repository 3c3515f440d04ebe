with resolved as (
    select * from {{ ref('base_crm__goals') }}
),

final as (
    select
        goal_id,
        {{ clean_text('pipeline_id') }} as pipeline_id,
        {{ clean_text('name') }} as goal_name,
        {{ normalise_enum('metric', category_values('goal_metrics')) }} as metric,
        {{ normalise_category('activity_type', category_values('activity_types')) }} as activity_type,
        {# `|`-separated outcomes, kept as text; empty means every outcome #}
        lower(replace({{ clean_text('activity_outcomes') }}, ' ', '')) as activity_outcomes,
        {{ normalise_enum('scope', category_values('goal_scopes')) }} as scope,
        {{ normalise_enum('period_1', category_values('periods')) }} as period_1,
        {{ normalise_enum('period_2', category_values('periods')) }} as period_2,
        {{ flags_column([category_check('activity_type', category_values('activity_types'))]) }} as flags,
        {{ normalise_currency('currency') }} as currency,
        {{ parse_decimal('target_1') }} as target_1,
        {{ parse_decimal('target_2') }} as target_2,
        {{ deletion_columns() }},
        {{ parse_date('starts_on') }} as starts_on,
        {{ parse_date('ends_on') }} as ends_on,
        {{ lineage_columns() }}
    from resolved
)

select * from final
