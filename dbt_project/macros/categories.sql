{# The canonical values of a contract category or enum column, by name, from
   `vars.contract_categories` in dbt_project.yml, the one place they are defined (the
   audit, expectations/categories.py, reads the same block). An unknown name is a
   compilation error, not an empty list. #}
{% macro category_values(name) -%}
    {%- set lists = var('contract_categories') -%}
    {%- if name not in lists -%}
        {{ exceptions.raise_compiler_error("no list '" ~ name ~ "' in vars.contract_categories (dbt_project.yml)") }}
    {%- endif -%}
    {{ return(lists[name]) }}
{%- endmacro %}


{# The category fold (expectations/patterns.py: FOLD_IGNORED, folded()): two spellings of
   a category are the same value when they are equal with case and the characters of
   contract_fold_ignored() (generated) ignored: `Paid Ads`, `paid-ads` and `PAID_ADS` are
   `paid_ads`. `fold_category` folds a SQL expression, `folded_category_value` a value
   known when the model compiles. #}
{% macro fold_category(expression) -%}
    {%- set folded = namespace(sql="trim(" ~ expression ~ ")") -%}
    {%- for character in contract_fold_ignored() -%}
        {%- set folded.sql = "replace(" ~ folded.sql ~ ", '" ~ character ~ "', '')" -%}
    {%- endfor -%}
    lower({{ folded.sql }})
{%- endmacro %}

{% macro folded_category_value(value) -%}
    {%- set folded = namespace(value=value | lower) -%}
    {%- for character in contract_fold_ignored() -%}
        {%- set folded.value = folded.value | replace(character, '') -%}
    {%- endfor -%}
    {{ return(folded.value) }}
{%- endmacro %}
