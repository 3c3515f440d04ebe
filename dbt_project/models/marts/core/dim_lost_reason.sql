{# The lost-reason categories (seed lost_reason_categories); the free-text reasons map
   to them through the seed lost_reason_mapping. `unspecified` is the member for an empty
   reason and `other` for an unmatched one; `unknown` is the unknown member. #}
with

categories as (
    select * from {{ ref('lost_reason_categories') }}
),

known_categories as (
    select
        cast(lost_reason_category as {{ dbt.type_string() }}) as lost_reason_category,
        cast(description as {{ dbt.type_string() }}) as description
    from categories
),

final as (
    {{ union_unknown_member('known_categories', {'lost_reason_category': 'unknown', 'description': 'Unknown category'}) }}
)

select * from final
