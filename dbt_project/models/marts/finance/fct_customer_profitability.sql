{#
    One row per (account, month) with at least one contributing record; account_id null
    is the bucket of everything unmatched (unmatched payment customers, guest charges
    and their refunds, unmatched support requesters). docs/marts.md:
    - invoiced revenue: subtotal (tax excluded) of invoices counted as revenue, by the
      invoice's month, at its date; COGS from their lines (fct_invoice_lines), same month;
    - refunds: succeeded refunds net of tax, by refund month, at the refund's date;
    - payment fees: fees of succeeded charges, by charge month, at the charge's date;
    - support cost: agent minutes + call time of the account's tickets, by ticket month;
    - collected: succeeded charges − succeeded refunds (gross), fees not deducted.
    A null `_rc` (amount dated before its currency's first rate) is left out of sums.
#}
with

invoices as (
    select * from {{ ref('fct_invoices') }}
),

invoice_lines as (
    select * from {{ ref('fct_invoice_lines') }}
),

charges as (
    select * from {{ ref('fct_charges') }}
),

refunds as (
    select * from {{ ref('fct_refunds') }}
),

ticket_costs as (
    select * from {{ ref('int_support_ticket_costs') }}
),

requesters as (
    select * from {{ ref('map_support_requester') }}
),

zero as (
    select cast(0 as {{ type_double() }}) as amount
),

contributions as (
    select
        invoices.account_id,
        invoices.month_start,
        invoices.subtotal_rc as invoiced_revenue_rc,
        zero.amount as refunds_rc,
        zero.amount as cogs_rc,
        zero.amount as payment_fees_rc,
        zero.amount as support_cost_rc,
        zero.amount as collected_rc
    from invoices
    cross join zero
    where invoices.is_revenue

    union all

    select
        invoice_lines.account_id,
        invoice_lines.month_start,
        zero.amount,
        zero.amount,
        invoice_lines.cogs_rc,
        zero.amount,
        zero.amount,
        zero.amount
    from invoice_lines
    cross join zero
    where invoice_lines.is_revenue

    union all

    select
        refunds.account_id,
        refunds.month_start,
        zero.amount,
        refunds.amount_net_of_tax_rc,
        zero.amount,
        zero.amount,
        zero.amount,
        -refunds.amount_rc
    from refunds
    cross join zero
    where refunds.status = 'succeeded'

    union all

    select
        charges.account_id,
        charges.month_start,
        zero.amount,
        zero.amount,
        zero.amount,
        charges.fee_rc,
        zero.amount,
        charges.amount_rc
    from charges
    cross join zero
    where charges.status = 'succeeded'

    union all

    select
        requesters.account_id,
        cast({{ dbt.date_trunc('month', 'ticket_costs.created_date') }} as date),
        zero.amount,
        zero.amount,
        zero.amount,
        zero.amount,
        ticket_costs.support_cost_rc,
        zero.amount
    from ticket_costs
    cross join zero
    left join requesters
        on ticket_costs.email_hash = requesters.email_hash
),

sums as (
    select
        account_id,
        month_start,
        coalesce(sum(invoiced_revenue_rc), 0) as invoiced_revenue_rc,
        coalesce(sum(refunds_rc), 0) as refunds_rc,
        coalesce(sum(cogs_rc), 0) as cogs_rc,
        coalesce(sum(payment_fees_rc), 0) as payment_fees_rc,
        coalesce(sum(support_cost_rc), 0) as support_cost_rc,
        coalesce(sum(collected_rc), 0) as collected_rc
    from contributions
    group by account_id, month_start
),

final as (
    select
        account_id,
        month_start,
        invoiced_revenue_rc,
        refunds_rc,
        invoiced_revenue_rc - refunds_rc as net_revenue_rc,
        cogs_rc,
        payment_fees_rc,
        support_cost_rc,
        invoiced_revenue_rc - refunds_rc - cogs_rc - payment_fees_rc - support_cost_rc as gross_margin_rc,
        case
            when invoiced_revenue_rc - refunds_rc > 0
                then (invoiced_revenue_rc - refunds_rc - cogs_rc - payment_fees_rc - support_cost_rc)
                / (invoiced_revenue_rc - refunds_rc)
        end as gross_margin_pct,
        collected_rc
    from sums
)

select * from final
