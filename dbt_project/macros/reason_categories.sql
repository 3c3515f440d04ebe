{#
    The maintained mapping of free-text reasons to categories (docs/marts.md,
    rpt_lost_reasons; seed lost_reason_mapping), in one place for every reason it maps:
    lost deals' `lost_reason` (int_deal_lost_reasons_categorised) and disqualified leads'
    `disqualified_reason` (fct_lead_funnel, v1.3). The text is lower-cased, trimmed and its
    inner whitespace collapsed; the first pattern by `priority` (seed order) that it
    contains wins; empty or null -> unspecified; no pattern -> other.

    Emits a select of (`key_column`, `lost_reason_category`), one row per row of
    `reasons` (a CTE or relation with `key_column` and `reason_column`), reading the
    mapping from `mapping` (a CTE or relation shaped like the seed).
#}
{% macro categorise_reasons(reasons, key_column, reason_column, mapping) -%}
    select
        reasons_normalised.{{ key_column }},
        cast(case
            when reasons_normalised.reason_text is null or reasons_normalised.reason_text = '' then 'unspecified'
            when reason_matches.lost_reason_category is null then 'other'
            else reason_matches.lost_reason_category
        end as {{ dbt.type_string() }}) as lost_reason_category
    from (
        select
            {{ key_column }},
            {{ normalise_free_text(reason_column) }} as reason_text
        from {{ reasons }}
    ) as reasons_normalised
    left join (
        select
            matched.{{ key_column }},
            matched.lost_reason_category
        from (
            select
                reasons_to_match.{{ key_column }},
                {{ mapping }}.lost_reason_category,
                row_number() over (
                    partition by reasons_to_match.{{ key_column }} order by {{ mapping }}.priority nulls last, {{ mapping }}.pattern nulls last
                ) as match_rank
            from (
                select
                    {{ key_column }},
                    {{ normalise_free_text(reason_column) }} as reason_text
                from {{ reasons }}
            ) as reasons_to_match
            inner join {{ mapping }}
                on {{ dbt.position(normalise_free_text(mapping ~ '.pattern'), 'reasons_to_match.reason_text') }} > 0
            where reasons_to_match.reason_text <> ''
        ) as matched
        where matched.match_rank = 1
    ) as reason_matches
        on reasons_normalised.{{ key_column }} = reason_matches.{{ key_column }}
{%- endmacro %}
