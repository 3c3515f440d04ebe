{#
    Payment customer -> CRM account: metadata_crm_account_id when it names an existing,
    not deleted account; else by e-mail, else by domain (macros/account_matching.sql);
    else unmatched (account_id null).
#}
with

customers as (
    select * from {{ ref('stg_payments__customers') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

customer_emails as (
    select
        customer_id as match_key,
        email
    from customers
),

email_matches as (
    {{ account_email_match('customer_emails') }}
),

final as (
    select
        customers.customer_id,
        coalesce(
            metadata_accounts.account_id,
            email_matches.email_account_id,
            email_matches.domain_account_id
        ) as account_id,
        case
            when metadata_accounts.account_id is not null then 'metadata'
            when email_matches.email_account_id is not null then 'email'
            when email_matches.domain_account_id is not null then 'domain'
            else 'unmatched'
        end as match_method,
        customers.email_hash,
        customers.is_deleted
    from customers
    left join accounts as metadata_accounts
        on customers.metadata_crm_account_id = metadata_accounts.account_id
        and not metadata_accounts.is_deleted
    left join email_matches
        on customers.customer_id = email_matches.match_key
)

select * from final
