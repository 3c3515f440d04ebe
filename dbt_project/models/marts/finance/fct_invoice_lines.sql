{#
    One row per invoice line of the invoices in fct_invoices (deleted lines and lines of
    deleted invoices left out), with its product and cost of goods sold.
    Product: the catalogue product whose sku is the line's `product_sku`; custom lines
    (no sku) and skus not in the catalogue point at the "unknown" product
    (`is_unknown_sku` flags the latter). COGS = quantity × the product's current
    `unit_cost` (in the product's currency) converted at the invoice's `created` date;
    0 for custom lines and unknown skus. The line amount is converted at the same date.
#}
with

lines as (
    select * from {{ ref('stg_payments__invoice_lines') }}
),

invoices as (
    select * from {{ ref('fct_invoices') }}
),

products as (
    select * from {{ ref('stg_crm__products') }}
),

catalogue as (
    select
        sku,
        min(product_id) as product_id,
        min(unit_cost) as unit_cost,
        min(currency) as cost_currency
    from products
    where not is_deleted
        and sku is not null
    group by sku
),

lines_priced as (
    select
        lines.line_id,
        lines.invoice_id,
        invoices.customer_id,
        invoices.account_id,
        lines.product_sku,
        catalogue.product_id as catalogue_product_id,
        lines.quantity,
        lines.currency,
        lines.unit_amount,
        lines.amount,
        catalogue.cost_currency,
        catalogue.unit_cost,
        invoices.status as invoice_status,
        invoices.is_revenue,
        invoices.invoice_date,
        invoices.month_start
    from lines
    inner join invoices
        on lines.invoice_id = invoices.invoice_id
    left join catalogue
        on lines.product_sku = catalogue.sku
    where not lines.is_deleted
),

final as (
    select
        lines_priced.line_id,
        lines_priced.invoice_id,
        lines_priced.customer_id,
        lines_priced.account_id,
        coalesce(lines_priced.catalogue_product_id, 'unknown') as product_id,
        lines_priced.product_sku,
        lines_priced.invoice_status,
        lines_priced.currency,
        lines_priced.cost_currency,
        lines_priced.quantity,
        lines_priced.unit_amount,
        lines_priced.amount,
        lines_priced.unit_cost,
        cast({{ convert_currency('lines_priced.amount', 'lines_priced.currency', 'fx_amount') }} as {{ type_double() }}) as amount_rc,
        cast(
            case
                when lines_priced.catalogue_product_id is null then 0
                else {{ convert_currency('lines_priced.quantity * lines_priced.unit_cost', 'lines_priced.cost_currency', 'fx_cost') }}
            end
            as {{ type_double() }}
        ) as cogs_rc,
        lines_priced.is_revenue,
        lines_priced.product_sku is not null and lines_priced.catalogue_product_id is null as is_unknown_sku,
        lines_priced.invoice_date,
        lines_priced.month_start
    from lines_priced
    {{ fx_joins('lines_priced.currency', 'lines_priced.invoice_date', 'fx_amount') }}
    {{ fx_joins('lines_priced.cost_currency', 'lines_priced.invoice_date', 'fx_cost') }}
)

select * from final
