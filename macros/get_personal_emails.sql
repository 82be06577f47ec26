{% macro get_personal_emails() %}
{#-
    Free e-mail providers. A user on one of these domains is a person, not a
    company, so their domain must never become a corporate account. Kept in one
    place so every model agrees on the list. Callers `set` a variable to the
    macro's value and print it after `in`, where it renders as a SQL list.
-#}
{{ return(('gmail.com', 'outlook.com', 'yahoo.com', 'icloud.com', 'hotmail.com')) }}
{%- endmacro %}
