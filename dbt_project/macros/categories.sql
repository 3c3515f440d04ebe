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
