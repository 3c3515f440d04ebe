{# Canonical values of the contract's category columns shared by several models
   (shared/spec/exports.md). Values used by one model only are listed in it. #}

{% macro lead_sources() -%}
    {{ return(['organic', 'paid_ads', 'email_campaign', 'referral', 'event', 'outbound', 'partner']) }}
{%- endmacro %}

{% macro activity_types() -%}
    {{ return(['call', 'meeting', 'video_call', 'email', 'demo', 'task']) }}
{%- endmacro %}

{# Every outcome of every activity type (call, meeting/video_call/demo, email, task). #}
{% macro activity_outcomes() -%}
    {{ return([
        'connected', 'no_answer', 'voicemail', 'wrong_number',
        'held', 'no_show', 'rescheduled',
        'sent', 'replied', 'bounced',
        'done', 'open',
    ]) }}
{%- endmacro %}
