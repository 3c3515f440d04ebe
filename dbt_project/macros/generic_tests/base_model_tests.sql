{#
    The base layer checked against raw with formulations independent of base_model()
    (macros/resolution.sql). Declared on every base model by the generated
    `_<system>__base_models.yml` (orchestration/lib/dbt_contract.py), with the model's
    source table; the export file, key and columns come from the source's meta.contract.
#}

{# Nothing is dropped silently: every key of the raw table with a record the audit
   loaded (outside the quarantine, and not a repeat of an identical earlier record of its
   file) has a row in the base model (deleted snapshot keys included). Returns the keys
   that are missing. #}
{% test base_model_keeps_every_loaded_key(model, source_name, table_name) %}
    {%- set raw_table = source(source_name, table_name) -%}
    {%- set contract = source_contract(source_name, table_name) -%}
    select distinct
        {% for column in contract.key %}raw_records.{{ adapter.quote(column) }}{% if not loop.last %}, {% endif %}{% endfor %}
    from {{ raw_table }} as raw_records
    where {% for column in contract.key %}raw_records.{{ adapter.quote(column) }} is not null and {% endfor %}
        not exists (
            select 1
            from {{ source('audit', 'quarantine') }} as quarantine
            where quarantine.source_file = '{{ contract.file }}'
                and quarantine.batch_date = raw_records._batch_date
                and quarantine.record_number = raw_records._record_number
        )
        and not exists (
            select 1
            from {{ raw_table }} as earlier_records
            where earlier_records._batch_date = raw_records._batch_date
                and earlier_records._record_number < raw_records._record_number
                {%- for column in contract.columns %}
                and earlier_records.{{ adapter.quote(column) }} is not distinct from raw_records.{{ adapter.quote(column) }}
                {%- endfor %}
        )
        and not exists (
            select 1
            from {{ model }} as base_records
            where {% for column in contract.key %}base_records.{{ adapter.quote(column) }} = raw_records.{{ adapter.quote(column) }}{% if not loop.last %} and {% endif %}{% endfor %}
        )
{% endtest %}


{# exports.md: a snapshot key is deleted exactly when the latest batch in which its file
   was present (audit.file_loads) does not hold it (any record, quarantined ones
   included): the latest present snapshot, then membership. Returns the keys whose
   is_deleted disagrees. (Membership is a left join, not `is_deleted <> not exists (...)`:
   Spark accepts EXISTS only as a predicate of its own, not inside a comparison.) #}
{% test base_model_deletes_keys_absent_from_the_latest_snapshot(model, source_name, table_name) %}
    {%- set raw_table = source(source_name, table_name) -%}
    {%- set contract = source_contract(source_name, table_name) -%}
    select
        {% for column in contract.key %}base_records.{{ adapter.quote(column) }}, {% endfor %}
        base_records.is_deleted
    from {{ model }} as base_records
    left join (
        select distinct
            {% for column in contract.key %}raw_records.{{ adapter.quote(column) }}, {% endfor %}
            true as is_present
        from {{ raw_table }} as raw_records
        where {% for column in contract.key %}raw_records.{{ adapter.quote(column) }} is not null and {% endfor %}
            raw_records._batch_date = (
                select max(batch_date)
                from {{ source('audit', 'file_loads') }}
                where source_file = '{{ contract.file }}'
            )
    ) as latest_snapshot
        on {% for column in contract.key %}latest_snapshot.{{ adapter.quote(column) }} = base_records.{{ adapter.quote(column) }}{% if not loop.last %} and {% endif %}{% endfor %}
    where base_records.is_deleted <> (latest_snapshot.is_present is null)
{% endtest %}
