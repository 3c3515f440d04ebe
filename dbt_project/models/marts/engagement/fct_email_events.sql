{#
    One row per e-mail marketing event. The recipient is matched to a CRM account the way
    a support requester is (macros/account_matching.sql: the one account of the contacts
    with that e-mail, else the one account with the e-mail's non-free-mail domain);
    null when unmatched. No e-mail address here, only its hash.
#}
with

events as (
    select * from {{ ref('stg_email__events') }}
),

recipients as (
    select distinct
        email as match_key,
        email
    from events
    where email is not null
),

recipient_matches as (
    {{ account_email_match('recipients') }}
),

final as (
    select
        events.event_id,
        events.campaign_id,
        events.email_hash,
        coalesce(recipient_matches.email_account_id, recipient_matches.domain_account_id) as account_id,
        events.event,
        events.bounce_type,
        {{ to_reporting_date('events.occurred_at') }} as event_date,
        events.occurred_at
    from events
    left join recipient_matches
        on events.email = recipient_matches.match_key
)

select * from final
