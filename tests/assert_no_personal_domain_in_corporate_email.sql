-- A personal address (gmail.com, outlook.com, yahoo.com, icloud.com,
-- hotmail.com) tells us nothing about a company, so it must never show up as
-- a corporate_email: not on a contact, not on a gaggle, not as an account.
-- Returns every row that breaks this rule.

{% set personal = get_personal_emails() %}

with offenders as (

    select
        'jafflegaggle_contacts' as model_name,
        cast(user_id as {{ dbt.type_string() }}) as row_key,
        corporate_email
    from {{ ref('jafflegaggle_contacts') }}
    where lower(corporate_email) in {{ personal }}

    union all

    select
        'jafflegaggle_facts' as model_name,
        cast(gaggle_id as {{ dbt.type_string() }}) as row_key,
        corporate_email
    from {{ ref('jafflegaggle_facts') }}
    where lower(corporate_email) in {{ personal }}

    union all

    select
        'jafflegaggle_corporate_accounts' as model_name,
        corporate_email as row_key,
        corporate_email
    from {{ ref('jafflegaggle_corporate_accounts') }}
    where lower(corporate_email) in {{ personal }}

)

select * from offenders
