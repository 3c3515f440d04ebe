{#
    Matching an e-mail to a CRM account (docs/marts.md, payment customers; the model
    map_payment_customer):
    the account of the contacts with the same normalised e-mail when they all belong to
    one account; else the one account whose domain is the e-mail's domain, when exactly
    one account has it and it is not a free-mail domain (seed free_mail_domains); else
    no match. Deleted accounts and contacts are not used. `emails_relation` is a CTE name
    with columns `match_key` and `email`; the result has `match_key`, `email_account_id`,
    `domain_account_id`.
#}
{% macro account_email_match(emails_relation) -%}
    select
        emails.match_key,
        email_matches.account_id as email_account_id,
        domain_matches.account_id as domain_account_id
    from {{ emails_relation }} as emails
    left join (
        select
            contacts.email,
            min(contacts.account_id) as account_id
        from {{ ref('stg_crm__contacts') }} as contacts
        inner join {{ ref('stg_crm__accounts') }} as accounts
            on contacts.account_id = accounts.account_id
            and not accounts.is_deleted
        where not contacts.is_deleted
            and contacts.email is not null
        group by contacts.email
        having count(distinct contacts.account_id) = 1
    ) as email_matches
        on emails.email = email_matches.email
    left join (
        select
            accounts.domain,
            min(accounts.account_id) as account_id
        from {{ ref('stg_crm__accounts') }} as accounts
        where not accounts.is_deleted
            and accounts.domain is not null
            and accounts.domain not in (select domain from {{ ref('free_mail_domains') }})
        group by accounts.domain
        having count(*) = 1
    ) as domain_matches
        on {{ dbt.split_part('emails.email', "'@'", 2) }} = domain_matches.domain
{%- endmacro %}
