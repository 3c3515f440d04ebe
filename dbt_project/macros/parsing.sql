{#
    Strict parsers for the raw layer's text values (docs/exports.md, "Encodings
    and formats"). Nothing is guessed: a value in another format, or an impossible one,
    becomes NULL (the audit quarantines such records; staging must never fail on them).
    The formats are the audit's (expectations/patterns.py), read through
    contract_format(name) of the generated macros/generated/contract_formats.sql: a value
    is trimmed, matched in full (regex_full_match), then cast (safe_cast, so a value the
    pattern lets through but the type cannot hold still becomes NULL).
#}

{# ISO 8601 with a mandatory offset, `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`,
   converted to a UTC timestamp. No offset, `21/11/2026`, `2026-02-30T...` -> NULL. #}
{% macro parse_iso_timestamp(column) -%}
    {%- set value = "trim(" ~ column ~ ")" -%}
    {%- set local_part -%}
        replace(
            substr({{ value }}, 1, {{ dbt.length(value) }} - case when {{ dbt.right(value, 1) }} = 'Z' then 1 else 6 end),
            'T', ' '
        )
    {%- endset -%}
    {%- set offset_minutes -%}
        case
            when {{ dbt.right(value, 1) }} = 'Z' then 0
            else
                (case when substr({{ dbt.right(value, 6) }}, 1, 1) = '-' then -1 else 1 end)
                * (
                    cast(substr({{ dbt.right(value, 5) }}, 1, 2) as {{ dbt.type_int() }}) * 60
                    + cast(substr({{ dbt.right(value, 5) }}, 4, 2) as {{ dbt.type_int() }})
                )
        end
    {%- endset -%}
    case
        when {{ regex_full_match(value, contract_format('iso_timestamp')) }}
            then {{ dbt.dateadd('minute', '-1 * (' ~ offset_minutes ~ ')', dbt.safe_cast(local_part, dbt.type_timestamp())) }}
    end
{%- endmacro %}


{# payments: `YYYY-MM-DD HH:MM:SS`, already UTC, no offset. #}
{% macro parse_payments_timestamp(column) -%}
    case
        when {{ regex_full_match("trim(" ~ column ~ ")", contract_format('payments_timestamp')) }}
            then {{ dbt.safe_cast("trim(" ~ column ~ ")", dbt.type_timestamp()) }}
    end
{%- endmacro %}


{# e-mail events: integer Unix epoch seconds (UTC). #}
{% macro parse_epoch(column) -%}
    case
        when {{ regex_full_match("trim(" ~ column ~ ")", contract_format('epoch_seconds')) }}
            then {{ dbt.dateadd('second', dbt.safe_cast("trim(" ~ column ~ ")", dbt.type_bigint()), "cast('1970-01-01 00:00:00' as " ~ dbt.type_timestamp() ~ ")") }}
    end
{%- endmacro %}


{# Strict `YYYY-MM-DD`; impossible dates (2026-02-30) -> NULL. #}
{% macro parse_date(column) -%}
    case
        when {{ regex_full_match("trim(" ~ column ~ ")", contract_format('plain_date')) }}
            then {{ dbt.safe_cast("trim(" ~ column ~ ")", "date") }}
    end
{%- endmacro %}


{# Strict `-?digits[.digits]`: `1.234,56`, `12,5` or text -> NULL. #}
{% macro parse_decimal(column) -%}
    case
        when {{ regex_full_match("trim(" ~ column ~ ")", contract_format('decimal')) }}
            then {{ dbt.safe_cast("trim(" ~ column ~ ")", dbt.type_numeric()) }}
    end
{%- endmacro %}


{# Strict `-?digits`, at most contract_bigint_digits() digits (JSON numbers arrive as
   their text). #}
{% macro parse_integer(column) -%}
    {%- set value = "trim(" ~ column ~ ")" -%}
    case
        when {{ regex_full_match(value, contract_format('integer')) }}
            and {{ dbt.length("replace(" ~ value ~ ", '-', '')") }} <= {{ contract_bigint_digits() }}
            then {{ dbt.safe_cast(value, dbt.type_bigint()) }}
    end
{%- endmacro %}


{# `true` / `false`, case-insensitive; anything else -> NULL. #}
{% macro parse_boolean(column) -%}
    case lower(trim({{ column }}))
        when 'true' then true
        when 'false' then false
    end
{%- endmacro %}


{# Upper-case ISO 4217 code (payments write lower-case). #}
{% macro normalise_currency(column) -%}
    nullif(upper(trim({{ column }})), '')
{%- endmacro %}


{# Integer minor units -> major units with the ISO 4217 exponent of the row's currency:
   0 for the zero-decimal currencies (JPY, KRW, ...), 3 for the three-decimal ones
   (BHD, KWD, ...), 2 for every other code. `amount_minor` is an integer expression. #}
{% macro minor_to_major(amount_minor, currency) -%}
    cast(
        cast({{ amount_minor }} as {{ dbt.type_numeric() }})
        / case
            when upper(trim({{ currency }})) in (
                'BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG',
                'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'
            ) then 1
            when upper(trim({{ currency }})) in (
                'BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'
            ) then 1000
            else 100
        end
        as {{ dbt.type_numeric() }}
    )
{%- endmacro %}


{# Trimmed, lower-cased e-mail; a value that is not an address (`mario.rossi@`, `n/a`)
   -> NULL. #}
{% macro normalise_email(column) -%}
    case
        when {{ regex_full_match("lower(trim(" ~ column ~ "))", contract_format('email_address')) }}
            then lower(trim({{ column }}))
    end
{%- endmacro %}


{# SHA-256 (hex) of the normalised e-mail: the identity the marts may carry. #}
{% macro email_hash(column) -%}
    {{ sha256_hex(normalise_email(column)) }}
{%- endmacro %}


{# A category column (lead/deal source, segment, ...): compared folded (the contract's
   category fold, fold_category in macros/categories.sql) and mapped to its canonical
   spelling; an unknown non-empty value becomes `other`; empty -> NULL. #}
{% macro normalise_category(column, accepted_values) -%}
    {%- set folded = fold_category(column) -%}
    case
        when {{ column }} is null or trim({{ column }}) = '' then null
        {%- for value in accepted_values %}
        when {{ folded }} = '{{ folded_category_value(value) }}' then '{{ value }}'
        {%- endfor %}
        else 'other'
    end
{%- endmacro %}


{# A status or type column that drives logic: trimmed and lower-cased; an unknown
   value becomes NULL (the audit quarantines the record). #}
{% macro normalise_enum(column, accepted_values) -%}
    case
        when lower(trim({{ column }})) in (
            {%- for value in accepted_values %}'{{ value }}'{% if not loop.last %}, {% endif %}{% endfor -%}
        ) then lower(trim({{ column }}))
    end
{%- endmacro %}


{# Free text: trimmed, empty -> NULL. #}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}
