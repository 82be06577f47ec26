{% macro extract_email_domain(email) %}
{#-
    The domain of an e-mail address: everything after the '@', lower-cased.
    Domains are case-insensitive while SQL comparisons are not, so
    'Jane@Jets.COM' and 'jane@jets.com' must both give 'jets.com'.
    `email` is a column expression given as a string, e.g.
    extract_email_domain('email'). An address without '@' gives NULL rather
    than an empty string, so it never counts as a corporate domain.
    Dispatched per adapter, as dbt projects do: DuckDB and Spark share
    regexp_extract (the default), PostgreSQL has none.
-#}
{{- return(adapter.dispatch('extract_email_domain')(email)) -}}
{%- endmacro %}

{% macro default__extract_email_domain(email) -%}
nullif(regexp_extract(lower({{ email }}), '@(.+)$', 1), '')
{%- endmacro %}

{% macro postgres__extract_email_domain(email) -%}
{#- substring(... from pattern) returns the first parenthesised group. -#}
nullif(substring(lower({{ email }}) from '@(.+)$'), '')
{%- endmacro %}
