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
        {#- a delta file's base model is an incremental table (see resolve_delta), in a
            schema of its own: its rows carry a load time (_loaded_through_at), and the
            `staging` schema holds only what the set of batches decides -#}
        {{ delta_base_config(source_name, table_name) }}
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
{% macro audit_loaded_records(relation, contract, restriction=none) -%}
    select raw_records.*
    from {{ relation }} as raw_records
    where {{ _key_not_null(contract.key, 'raw_records') }}
        {%- if restriction %}
        and {{ restriction }}
        {%- endif %}
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


{% macro _versions_ranked(relation, contract, restriction=none) -%}
    select
        loaded_records.*,
        row_number() over (
            partition by {{ _key_list(contract.key) }}
            order by {{ _version_order(contract) }}
        ) as version_rank
    from (
        {{ audit_loaded_records(relation, contract, restriction) }}
    ) as loaded_records
{%- endmacro %}


{#
    A delta file's base model: one row per key, the winner among the loaded records of
    every batch, plus `_loaded_through_at`, the latest audit.file_loads loaded_at of the
    export file when the row was computed (the model's watermark, build metadata: rows
    computed in different builds carry different values; `--full-refresh` gives all rows
    the same one).

    Incremental (an incremental table, `append` plus the post-hook
    delete_stale_delta_versions; `--full-refresh` rebuilds it from raw). Delta files are
    append-mostly: a daily batch brings a small share of the keys. An incremental build
    recomputes the winner of exactly the keys that may have changed since the model's
    watermark W (the greatest stored `_loaded_through_at`):

    - the changed loads: the (batch_date, file) rows of audit.file_loads of this file
      with loaded_at after W (a new or late batch, a corrected batch re-delivered in its
      place, a batch whose records the audit decided again, e.g. quarantined as superseded
      copies because of a later batch);
    - touched keys: every key with a raw record (any, quarantined included) in a changed
      load's batch; every stored key whose winner came from a changed load's batch (it
      may now be quarantined, superseded, changed or gone from the re-delivered batch);
      every stored key whose winner's batch is no longer in audit.file_loads;
    - each touched key is resolved again over all its loaded records of every batch (the
      same ranking as a full build) and appended with the new watermark; a touched key
      without a loaded record any more is not appended.

    The post-hook then deletes each stored row that is no longer a winner: an older row of
    a key appended again, a row whose batch was loaded or decided again after the row was
    computed, a row whose batch is no longer loaded. That covers the keys that vanish
    (re-delivered without them, quarantined, ...), which an append or delete+insert keyed
    by the new rows would keep.

    Blind spots (run with --full-refresh after them): a change of raw or of the audit's
    decisions (quarantine, findings) that does not move the file's loaded_at (only the
    loader and the audit write them, and both move it). A change of this resolution's
    logic or of the contract changes the dbt project, and the refresh then rebuilds
    everything from scratch on its own (orchestration/defs/operations/planning.py).
#}
{% macro resolve_delta(relation, contract) -%}
    {%- set file_loads = source('audit', 'file_loads') -%}
    {%- set incremental = is_incremental() -%}
    with
    {% if incremental -%}
    changed_loads as (
        select batch_date
        from {{ file_loads }}
        where source_file = '{{ contract.file }}'
            and (
                (select max(_loaded_through_at) from {{ this }}) is null
                or loaded_at > (select max(_loaded_through_at) from {{ this }})
            )
    ),

    touched_keys as (
        select {{ _key_list(contract.key) }}
        from {{ relation }}
        where {{ _key_not_null(contract.key) }}
            and _batch_date in (select batch_date from changed_loads)
        union
        select {{ _key_list(contract.key) }}
        from {{ this }}
        where _batch_date in (select batch_date from changed_loads)
        union
        select {{ _key_list(contract.key, 'stored') }}
        from {{ this }} as stored
        where not exists (
            select 1
            from {{ file_loads }} as file_loads
            where file_loads.source_file = '{{ contract.file }}'
                and file_loads.batch_date = stored._batch_date
        )
    ),

    {% endif -%}
    versions_ranked as (
        {%- if incremental %}
        {%- set restriction -%}
            exists (
                select 1
                from touched_keys
                where {{ _key_join(contract.key, 'touched_keys', 'raw_records') }}
            )
        {%- endset %}
        {{ _versions_ranked(relation, contract, restriction) }}
        {%- else %}
        {{ _versions_ranked(relation, contract) }}
        {%- endif %}
    ),

    final as (
        select
            versions_ranked.*,
            (
                select max(loaded_at)
                from {{ file_loads }}
                where source_file = '{{ contract.file }}'
            ) as _loaded_through_at
        from versions_ranked
        where version_rank = 1
    )

    select * from final
{%- endmacro %}


{# The post-hook of a delta file's incremental base model (see resolve_delta): deletes
   the stored rows that are no longer winners once the touched keys were appended again. #}
{% macro delete_stale_delta_versions(source_name, table_name) -%}
    {%- set contract = source_contract(source_name, table_name) -%}
    {%- set file_loads = source('audit', 'file_loads') -%}
    delete from {{ this }} as stored
    where exists (
            select 1
            from {{ this }} as newer
            where {{ _key_join(contract.key, 'newer', 'stored') }}
                and newer._loaded_through_at > stored._loaded_through_at
        )
        or exists (
            select 1
            from {{ file_loads }} as file_loads
            where file_loads.source_file = '{{ contract.file }}'
                and file_loads.batch_date = stored._batch_date
                and file_loads.loaded_at > stored._loaded_through_at
        )
        or not exists (
            select 1
            from {{ file_loads }} as file_loads
            where file_loads.source_file = '{{ contract.file }}'
                and file_loads.batch_date = stored._batch_date
        )
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
