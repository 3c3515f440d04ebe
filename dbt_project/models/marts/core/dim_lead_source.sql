{# The lead/deal sources with their channel group (seed lead_source_channel_groups,
   editable), plus the unknown member for a missing source. #}
with

channel_groups as (
    select * from {{ ref('lead_source_channel_groups') }}
),

known_sources as (
    select
        cast(source as {{ dbt.type_string() }}) as source,
        cast(channel_group as {{ dbt.type_string() }}) as channel_group
    from channel_groups
),

final as (
    {{ union_unknown_member('known_sources', {'source': 'unknown', 'channel_group': 'other'}) }}
)

select * from final
