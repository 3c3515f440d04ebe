with resolved as (
    {{ resolve_delta(
        relation=source('raw', 'payments__refunds'),
        source_file='payments/refunds.csv',
        key_columns=['refund_id'],
    ) }}
),

final as (
    select
        refund_id,
        {{ clean_text('charge_id') }} as charge_id,
        {{ normalise_category('reason', ['duplicate', 'fraudulent', 'requested_by_customer']) }} as reason,
        {{ normalise_enum('status', ['succeeded', 'failed', 'pending']) }} as status,
        {{ flags_column([category_check('reason', ['duplicate', 'fraudulent', 'requested_by_customer'])]) }} as flags,
        {{ normalise_currency('currency') }} as currency,
        {{ minor_to_major(parse_integer('amount'), 'currency') }} as amount,
        {{ parse_payments_timestamp('created') }} as created_at,
        {{ lineage_columns() }}
    from resolved
)

select * from final
