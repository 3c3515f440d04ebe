{#
    Mailing-list growth per (list, month) from the first subscription to the as-of month
    (docs/marts.md: growth rate = (subscribed − unsubscribed or cleaned in the
    period) ÷ members at the period's start). Members are the list_members snapshot (not
    deleted). A member leaves at unsubscribed_at; a cleaned member without that date
    leaves at its latest bounce or spam report on a campaign of the list, else (no dated
    event) in the as-of month, so that the as-of month ends with the current members.
#}
with

members as (
    select * from {{ ref('stg_email__list_members') }}
),

campaigns as (
    select * from {{ ref('stg_email__campaigns') }}
),

events as (
    select * from {{ ref('stg_email__events') }}
),

as_of as (
    select cast({{ as_of_date() }} as date) as as_of_date
),

cleaning_events as (
    select
        campaigns.list_id,
        events.email,
        max(events.occurred_at) as cleaned_at
    from events
    inner join campaigns
        on events.campaign_id = campaigns.campaign_id
    where events.event in ('bounce', 'spam_report')
    group by campaigns.list_id, events.email
),

member_spans as (
    select
        members.list_id,
        {{ to_reporting_date('members.subscribed_at') }} as joined_date,
        case
            when members.status = 'unsubscribed' then {{ to_reporting_date('members.unsubscribed_at') }}
            when members.status = 'cleaned' then coalesce(
                {{ to_reporting_date('members.unsubscribed_at') }},
                {{ to_reporting_date('cleaning_events.cleaned_at') }},
                as_of.as_of_date
            )
        end as left_date
    from members
    cross join as_of
    left join cleaning_events
        on members.list_id = cleaning_events.list_id
        and members.email = cleaning_events.email
    where not members.is_deleted
        and members.list_id is not null
),

bounds as (
    select
        list_id,
        cast({{ dbt.date_trunc('month', 'min(joined_date)') }} as date) as first_month
    from member_spans
    group by list_id
),

month_offsets as (
    select generated_number - 1 as month_offset
    from ({{ dbt.generate_series(1200) }}) as series
),

list_months as (
    select
        bounds.list_id,
        cast({{ dbt.dateadd('month', 'month_offsets.month_offset', 'bounds.first_month') }} as date) as month_start
    from bounds
    cross join month_offsets
    cross join as_of
    where {{ dbt.dateadd('month', 'month_offsets.month_offset', 'bounds.first_month') }} <= as_of.as_of_date
),

counted as (
    select
        list_months.list_id,
        list_months.month_start,
        sum(
            case
                when member_spans.joined_date < list_months.month_start
                    and (member_spans.left_date is null or member_spans.left_date >= list_months.month_start)
                    then 1
                else 0
            end
        ) as members_at_start,
        sum(
            case
                when member_spans.joined_date >= list_months.month_start
                    and member_spans.joined_date < {{ dbt.dateadd('month', 1, 'list_months.month_start') }}
                    then 1
                else 0
            end
        ) as subscribed,
        sum(
            case
                when member_spans.left_date >= list_months.month_start
                    and member_spans.left_date < {{ dbt.dateadd('month', 1, 'list_months.month_start') }}
                    then 1
                else 0
            end
        ) as unsubscribed_or_cleaned
    from list_months
    inner join member_spans
        on list_months.list_id = member_spans.list_id
    group by list_months.list_id, list_months.month_start
),

final as (
    select
        list_id,
        month_start,
        cast(members_at_start as bigint) as members_at_start,
        cast(subscribed as bigint) as subscribed,
        cast(unsubscribed_or_cleaned as bigint) as unsubscribed_or_cleaned,
        cast(members_at_start + subscribed - unsubscribed_or_cleaned as bigint) as members_at_end,
        cast(subscribed - unsubscribed_or_cleaned as {{ type_double() }}) / nullif(members_at_start, 0) as growth_rate
    from counted
)

select * from final
