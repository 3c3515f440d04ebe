{#
    GENERATED from expectations/patterns.py by `python -m orchestration.lib.dbt_contract --write`:
    do not edit by hand, edit expectations/patterns.py and run it again.
    tests/test_dbt_contract.py fails when this file is out of date.

    The contract's value formats (expectations/patterns.py, the audit's patterns),
    without the surrounding ` *` (staging trims a value before matching it): full-match
    regular expressions in the subset common to RE2, Python and Java, for
    regex_full_match(). macros/parsing.sql builds the parsers on them and
    macros/categories.sql the category fold.
#}

{# The pattern of a contract format, by name; an unknown name is a compilation error. #}
{% macro contract_format(name) -%}
    {%- set formats = {
        'iso_timestamp': '(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,9})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])',
        'payments_timestamp': '(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29) (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]',
        'plain_date': '(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)',
        'epoch_seconds': '[0-9]{1,12}',
        'decimal': '-?[0-9]+(?:\\.[0-9]+)?',
        'integer': '-?[0-9]+',
        'last4': '[0-9]{4}',
        'email_address': '[^@\\s]+@[^@\\s]+\\.[^@\\s.]+',
    } -%}
    {%- if name not in formats -%}
        {{ exceptions.raise_compiler_error("no contract format '" ~ name ~ "' (expectations/patterns.py, orchestration/lib/dbt_contract.py)") }}
    {%- endif -%}
    {{ return(formats[name]) }}
{%- endmacro %}


{# The most digits of an integer staging holds in a bigint (patterns.BIGINT_DIGITS). #}
{% macro contract_bigint_digits() -%}
    {{ return(18) }}
{%- endmacro %}


{# The characters the category fold ignores, besides case (patterns.FOLD_IGNORED). #}
{% macro contract_fold_ignored() -%}
    {{ return([' ', '-', '_']) }}
{%- endmacro %}
