{# dbt's accepted_values with the list of `vars.contract_categories` named `category`
   (dbt_project.yml, the one definition: macro category_values), plus the values of
   `extra` (e.g. `other`, which a category column holds for an unknown value):

       data_tests:
         - accepted_contract_values:
             arguments: {category: deal_types, extra: [other]}
#}
{% test accepted_contract_values(model, column_name, category, extra=[]) %}
    {%- set values = category_values(category) | list -%}
    {%- for value in extra if value not in values -%}
        {%- do values.append(value) -%}
    {%- endfor -%}
    {{ adapter.dispatch('test_accepted_values', 'dbt')(model, column_name, values) }}
{% endtest %}
