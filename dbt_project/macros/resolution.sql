{#
    Snapshot and delta semantics of the raw layer (docs/exports.md, "Layout"),
    defined once here and used by every staging model.

    Raw keeps every record of every loaded batch. Each macro returns one query (usable
    as a CTE body) with the raw table's columns plus the lineage columns (_batch_date,
    _source_file, _record_number) of the winning version of each key:

    - records listed in audit.quarantine (batch_date, source_file, record_number) never
      win (quarantine_filtered);
    - within one file of one batch, identical copies collapse and, for one key with
      different content, the greatest `updated_at` wins where the file has one, else the
      last copy in file order (the ordering below ends with _record_number desc);
    - delta files: the latest batch wins (`winner_by='updated_at'`, support tickets: the
      greatest updated_at wins, the later batch only on a tie);
    - snapshot files: the version from the latest batch in which the key has a good
      record, plus is_deleted / deleted_on: a key whose latest presence (any record,
      quarantined ones included) is older than a later batch in which the snapshot file
      was present (audit.file_loads) was deleted on the first such batch date. A key that
      reappears is present again, so not deleted.

    Records with an empty key cannot be identified and are left out.
#}

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


{# The non-quarantined records of one raw table. #}
{% macro quarantine_filtered(relation, source_file, key_columns) -%}
    select raw_records.*
    from {{ relation }} as raw_records
    where {{ _key_not_null(key_columns, 'raw_records') }}
        and not exists (
            select 1
            from {{ source('audit', 'quarantine') }} as quarantine
            where quarantine.source_file = '{{ source_file }}'
                and quarantine.batch_date = raw_records._batch_date
                and quarantine.record_number = raw_records._record_number
        )
{%- endmacro %}


{# Ordering of the copies of one key, best first. #}
{% macro _version_order(updated_at_column, winner_by) -%}
    {#- every export with an updated_at writes it as ISO 8601 with offset -#}
    {%- if updated_at_column is not none -%}
        {%- set updated_at = parse_iso_timestamp(adapter.quote(updated_at_column)) -%}
    {%- endif -%}
    {%- if winner_by == 'updated_at' -%}
        {{ updated_at }} desc nulls last, _batch_date desc, _record_number desc
    {%- elif updated_at_column is not none -%}
        _batch_date desc, {{ updated_at }} desc nulls last, _record_number desc
    {%- else -%}
        _batch_date desc, _record_number desc
    {%- endif -%}
{%- endmacro %}


{% macro resolve_delta(relation, source_file, key_columns, updated_at_column=none, winner_by='batch') -%}
    with good_records as (
        {{ quarantine_filtered(relation, source_file, key_columns) }}
    ),

    versions_ranked as (
        select
            good_records.*,
            row_number() over (
                partition by {{ _key_list(key_columns) }}
                order by {{ _version_order(updated_at_column, winner_by) }}
            ) as version_rank
        from good_records
    )

    select *
    from versions_ranked
    where version_rank = 1
{%- endmacro %}


{% macro resolve_snapshot(relation, source_file, key_columns, updated_at_column=none) -%}
    with good_records as (
        {{ quarantine_filtered(relation, source_file, key_columns) }}
    ),

    versions_ranked as (
        select
            good_records.*,
            row_number() over (
                partition by {{ _key_list(key_columns) }}
                order by {{ _version_order(updated_at_column, 'batch') }}
            ) as version_rank
        from good_records
    ),

    {# presence counts every raw record, quarantined ones included #}
    key_presence as (
        select
            {{ _key_list(key_columns) }},
            max(_batch_date) as last_present_batch_date
        from {{ relation }}
        where {{ _key_not_null(key_columns) }}
        group by {{ _key_list(key_columns) }}
    ),

    snapshot_batches as (
        select distinct batch_date
        from {{ source('audit', 'file_loads') }}
        where source_file = '{{ source_file }}'
    ),

    deletions as (
        select
            {{ _key_list(key_columns, 'key_presence') }},
            min(snapshot_batches.batch_date) as deleted_on
        from key_presence
        inner join snapshot_batches
            on snapshot_batches.batch_date > key_presence.last_present_batch_date
        group by {{ _key_list(key_columns, 'key_presence') }}
    )

    select
        versions_ranked.*,
        deletions.deleted_on is not null as is_deleted,
        deletions.deleted_on
    from versions_ranked
    left join deletions
        on {{ _key_join(key_columns, 'versions_ranked', 'deletions') }}
    where versions_ranked.version_rank = 1
{%- endmacro %}


{# The lineage columns under their staging names. #}
{% macro lineage_columns(alias=none) -%}
    {%- set prefix = (alias ~ '.') if alias else '' -%}
    {{ prefix }}_batch_date as batch_date,
    {{ prefix }}_source_file as source_file,
    {{ prefix }}_record_number as record_number
{%- endmacro %}


{# is_deleted, deleted_on (export date of the first snapshot without the key) and
   deleted_at (that date at 00:00 UTC) of a resolve_snapshot result. #}
{% macro deletion_columns(alias=none) -%}
    {%- set prefix = (alias ~ '.') if alias else '' -%}
    {{ prefix }}is_deleted,
    {{ prefix }}deleted_on,
    cast({{ prefix }}deleted_on as {{ dbt.type_timestamp() }}) as deleted_at
{%- endmacro %}
