with resolved as (
    select * from {{ ref('base_payments__refunds') }}
),

final as (
    select
        refund_id,
        {{ clean_text('charge_id') }} as charge_id,
        {{ normalise_category('reason', category_values('refund_reasons')) }} as reason,
        {{ normalise_enum('status', category_values('refund_statuses')) }} as status,
        {{ flags_column([category_check('reason', category_values('refund_reasons'))]) }} as flags,
        {{ normalise_currency('currency') }} as currency,
        {{ minor_to_major(parse_integer('amount'), 'currency') }} as amount,
        {{ parse_payments_timestamp('created') }} as created_at,
        {{ lineage_columns() }}
    from resolved
)

select * from final
