{#
    The base layer: snapshot and delta semantics of the raw layer (docs/exports.md,
    "Layout"), defined once here. Every base model is one line,

        {{ base_model('crm', 'deals') }}        -- models/staging/crm/base/base_crm__deals.sql

    which reads its raw table through `source()` and the table's contract (export file,
    kind, key, updated_at) from the source's `meta.contract`: the sources files are
    generated from orchestration/lib/contract.py (orchestration/lib/dbt_contract.py), so no
    model restates a file name or a key.

    Raw keeps every record of every loaded batch. A base model returns the raw table's
    columns plus the lineage columns (_batch_date, _source_file, _record_number) of the
    winning record of each key:

    - the audit decides which records of a file are loaded (the one home of the winner
      within a file, expectations/sql.py): records it quarantined (audit.quarantine:
      invalid records, superseded copies of one id, ...) never win, nor do the identical
      copies it removed (audit.findings, severity `dedupe`; they stay in raw). What is
      left is one record per key and batch: the audit's kept copy;
    - across batches (the only ordering here): the latest batch wins; a delta file with an
      `updated_at` in its contract (support tickets) takes the greatest updated_at in UTC,
      the later batch only on a tie. `_record_number` ascending ends the ordering so that
      it is total; it agrees with the audit's choice of the first copy;
    - snapshot files also get is_deleted / deleted_on: a key whose latest presence (any
      record, quarantined ones included) is older than a later batch in which the snapshot
      file was present (audit.file_loads) was deleted on the first such batch date. A
      key that reappears is present again, so not deleted.

    Records with an empty key cannot be identified and are left out.

    A base model is where a raw table meets the audit's decisions, so it reads its raw
    table and the audit's sources (quarantine, findings, file loads) (the only models
    besides stg_audit__file_loads that read sources).
#}

{% macro base_model(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- set contract = source_contract(source_name, table_name) -%}
    {%- if contract.kind == 'snapshot' -%}
        {{ resolve_snapshot(relation, contract) }}
    {%- elif contract.kind == 'delta' -%}
        {{ resolve_delta(relation, contract) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("source " ~ source_name ~ "." ~ table_name ~ ": meta.contract.kind must be snapshot or delta, not " ~ contract.kind) }}
    {%- endif -%}
{%- endmacro %}


{# The contract of a raw table: `meta.contract` of its source table (generated YAML),
   i.e. file, kind, key (list) and updated_at (column or none), plus `columns`, the
   contract columns (the source's columns without the lineage columns).

   Read through `graph.sources` when dbt runs the model. dbt gives macros no graph while
   it parses (when a base model must already name the sources it reads) nor in unit tests:
   there the generated copy of the same contracts, contract_source_tables()
   (macros/generated/contract_sources.sql), stands in. When both are at hand they must
   agree: otherwise the generated files are out of date. #}
{% macro source_contract(source_name, table_name) -%}
    {%- set generated = contract_source_tables().get(source_name ~ '.' ~ table_name) -%}
    {%- set sources = graph.get('sources') if (execute and graph is mapping) else none -%}
    {%- if not sources -%}
        {%- if not generated -%}
            {{ exceptions.raise_compiler_error("source " ~ source_name ~ "." ~ table_name ~ " is not an export file of the contract (macros/generated/contract_sources.sql)") }}
        {%- endif -%}
        {{ return(generated) }}
    {%- endif -%}
    {%- for node in sources.values() -%}
        {%- if node.source_name == source_name and node.name == table_name -%}
            {%- set contract = (node.config.meta or {}).get('contract') or (node.meta or {}).get('contract') -%}
            {%- if not contract -%}
                {{ exceptions.raise_compiler_error("source " ~ source_name ~ "." ~ table_name ~ " has no meta.contract (python -m orchestration.lib.dbt_contract --write)") }}
            {%- endif -%}
            {%- set columns = [] -%}
            {%- for column in node.columns if not column.startswith('_') -%}
                {%- do columns.append(column) -%}
            {%- endfor -%}
            {%- set found = {
                'file': contract.file,
                'kind': contract.kind,
                'key': contract.key | list,
                'updated_at': contract.updated_at,
                'columns': columns,
            } -%}
            {%- if found != generated -%}
                {{ exceptions.raise_compiler_error("source " ~ source_name ~ "." ~ table_name ~ ": meta.contract " ~ found ~ " differs from macros/generated/contract_sources.sql " ~ generated ~ " (python -m orchestration.lib.dbt_contract --write)") }}
            {%- endif -%}
            {{ return(found) }}
        {%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("no source " ~ source_name ~ "." ~ table_name) }}
{%- endmacro %}


{% macro _key_not_null(key_columns, alias=none) -%}
    {%- for column in key_columns -%}
        {{ (alias ~ '.') if alias else '' }}{{ adapter.quote(column) }} is not null{% if not loop.last %} and {% endif %}
    {%- endfor -%}
{%- endmacro %}

{% macro _key_list(key_columns, alias=none) -%}
    {%- for column in key_columns -%}
        {{ (alias ~ '.') if alias else '' }}{{ adapter.quote(column) }}{% if not loop.last %}, {% endif %}
    {%- endfor -%}
{%- endmacro %}

{% macro _key_join(key_columns, left, right) -%}
    {%- for column in key_columns -%}
        {{ left }}.{{ adapter.quote(column) }} = {{ right }}.{{ adapter.quote(column) }}{% if not loop.last %} and {% endif %}
    {%- endfor -%}
{%- endmacro %}


{# The records the audit loaded from one raw table: neither quarantined nor removed as a
   later identical copy of a record of the same file (audit.findings, severity `dedupe`).
   The audit is the one home of which copy of a record is kept (expectations/sql.py). #}
{% macro audit_loaded_records(relation, contract) -%}
    select raw_records.*
    from {{ relation }} as raw_records
    where {{ _key_not_null(contract.key, 'raw_records') }}
        and not exists (
            select 1
            from {{ source('audit', 'quarantine') }} as quarantine
            where quarantine.source_file = '{{ contract.file }}'
                and quarantine.batch_date = raw_records._batch_date
                and quarantine.record_number = raw_records._record_number
        )
        and not exists (
            select 1
            from {{ source('audit', 'findings') }} as findings
            where findings.severity = 'dedupe'
                and findings.source_file = '{{ contract.file }}'
                and findings.batch_date = raw_records._batch_date
                and findings.record_number = raw_records._record_number
        )
{%- endmacro %}


{# Ordering of the loaded records of one key across batches, best first. Within one
   batch the audit has left one record per key; `_record_number` makes the order total. #}
{% macro _version_order(contract) -%}
    {%- if contract.kind == 'delta' and contract.updated_at is not none -%}
        {#- every export with an updated_at writes it as ISO 8601 with offset -#}
        {{ parse_iso_timestamp(adapter.quote(contract.updated_at)) }} desc nulls last, _batch_date desc, _record_number asc
    {%- else -%}
        _batch_date desc, _record_number asc
    {%- endif -%}
{%- endmacro %}


{% macro _versions_ranked(relation, contract) -%}
    select
        loaded_records.*,
        row_number() over (
            partition by {{ _key_list(contract.key) }}
            order by {{ _version_order(contract) }}
        ) as version_rank
    from (
        {{ audit_loaded_records(relation, contract) }}
    ) as loaded_records
{%- endmacro %}


{% macro resolve_delta(relation, contract) -%}
    with versions_ranked as (
        {{ _versions_ranked(relation, contract) }}
    ),

    final as (
        select *
        from versions_ranked
        where version_rank = 1
    )

    select * from final
{%- endmacro %}


{% macro resolve_snapshot(relation, contract) -%}
    with versions_ranked as (
        {{ _versions_ranked(relation, contract) }}
    ),

    {# presence counts every raw record, quarantined ones included #}
    key_presence as (
        select
            {{ _key_list(contract.key) }},
            max(_batch_date) as last_present_batch_date
        from {{ relation }}
        where {{ _key_not_null(contract.key) }}
        group by {{ _key_list(contract.key) }}
    ),

    snapshot_batches as (
        select distinct batch_date
        from {{ source('audit', 'file_loads') }}
        where source_file = '{{ contract.file }}'
    ),

    deletions as (
        select
            {{ _key_list(contract.key, 'key_presence') }},
            min(snapshot_batches.batch_date) as deleted_on
        from key_presence
        inner join snapshot_batches
            on snapshot_batches.batch_date > key_presence.last_present_batch_date
        group by {{ _key_list(contract.key, 'key_presence') }}
    ),

    final as (
        select
            versions_ranked.*,
            deletions.deleted_on is not null as is_deleted,
            deletions.deleted_on
        from versions_ranked
        left join deletions
            on {{ _key_join(contract.key, 'versions_ranked', 'deletions') }}
        where versions_ranked.version_rank = 1
    )

    select * from final
{%- endmacro %}


{# The lineage columns under their staging names. #}
{% macro lineage_columns(alias=none) -%}
    {%- set prefix = (alias ~ '.') if alias else '' -%}
    {{ prefix }}_batch_date as batch_date,
    {{ prefix }}_source_file as source_file,
    {{ prefix }}_record_number as record_number
{%- endmacro %}


{# is_deleted, deleted_on (export date of the first snapshot without the key) and
   deleted_at (that date at 00:00 UTC) of a snapshot's base model. #}
{% macro deletion_columns(alias=none) -%}
    {%- set prefix = (alias ~ '.') if alias else '' -%}
    {{ prefix }}is_deleted,
    {{ prefix }}deleted_on,
    cast({{ prefix }}deleted_on as {{ dbt.type_timestamp() }}) as deleted_at
{%- endmacro %}
