{#
    Support requester (normalised e-mail, by its hash) -> CRM account: by e-mail, else by
    domain (macros/account_matching.sql), else unmatched. No metadata step.
#}
with

tickets as (
    select * from {{ ref('stg_support__tickets') }}
),

requester_emails as (
    select distinct
        email_hash as match_key,
        requester_email as email
    from tickets
    where requester_email is not null
),

email_matches as (
    {{ account_email_match('requester_emails') }}
),

final as (
    select
        email_hash,
        coalesce(email_account_id, domain_account_id) as account_id,
        case
            when email_account_id is not null then 'email'
            when domain_account_id is not null then 'domain'
            else 'unmatched'
        end as match_method
    from (
        select
            match_key as email_hash,
            email_account_id,
            domain_account_id
        from email_matches
    ) as matches
)

select * from final
