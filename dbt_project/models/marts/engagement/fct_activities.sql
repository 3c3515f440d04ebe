{#
    One row per CRM activity (calls, meetings, e-mails, ...). Activities stay whatever
    became of the lead, deal or account they link to (docs/marts.md, event facts):
    the links are kept as exported, with no join that could drop a row.
#}
with

activities as (
    select * from {{ ref('stg_crm__activities') }}
),

final as (
    select
        activity_id,
        user_id,
        lead_id,
        deal_id,
        contact_id,
        account_id,
        activity_type,
        outcome,
        status,
        duration_minutes,
        status = 'done' as is_done,
        {{ to_reporting_date('occurred_at') }} as activity_date,
        occurred_at
    from activities
)

select * from final
