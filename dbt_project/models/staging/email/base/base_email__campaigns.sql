{# GENERATED from orchestration/lib/contract.py by `python -m orchestration.lib.dbt_contract --write` #}
{{ base_model('email', 'campaigns') }}
