{#
    One row per (product, month) of invoiced revenue: the lines of invoices counted as
    revenue (open, paid, uncollectible), by the invoice's month. Custom lines and skus
    not in the catalogue are under the "unknown" product, so the rows add up to the
    invoice lines. Revenue is the line amount (tax excluded) at the invoice's date.
#}
with

invoice_lines as (
    select * from {{ ref('fct_invoice_lines') }}
),

final as (
    select
        product_id,
        month_start,
        cast(coalesce(sum(quantity), 0) as bigint) as units,
        cast(coalesce(sum(amount_rc), 0) as {{ type_double() }}) as revenue_rc,
        cast(coalesce(sum(cogs_rc), 0) as {{ type_double() }}) as cogs_rc,
        cast(coalesce(sum(amount_rc), 0) - coalesce(sum(cogs_rc), 0) as {{ type_double() }}) as gross_margin_rc,
        cast(
            case
                when coalesce(sum(amount_rc), 0) > 0
                    then (coalesce(sum(amount_rc), 0) - coalesce(sum(cogs_rc), 0)) / sum(amount_rc)
            end
            as {{ type_double() }}
        ) as gross_margin_pct
    from invoice_lines
    where is_revenue
    group by product_id, month_start
)

select * from final
