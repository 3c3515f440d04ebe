{# Fails for every combination of `combination_of_columns` held by more than one row
   (written here because the project uses no hub packages). #}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as rows_with_combination
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}
