-- When a company changes its e-mail domain (merged_company_domain, e.g. the
-- Rams moving from rams.sl to rams.la), its gaggles and its account are filed
-- under the new domain only: no gaggle and no account may carry an old domain.
-- (Contacts keep the domain of their own address, so they are not checked.)
-- Returns every gaggle or account still filed under an old domain.

with old_domains as (

    select distinct lower(old_domain) as old_domain
    from {{ ref('merged_company_domain') }}

),

offenders as (

    select
        'jafflegaggle_facts' as model_name,
        cast(facts.gaggle_id as {{ dbt.type_string() }}) as row_key,
        facts.corporate_email
    from {{ ref('jafflegaggle_facts') }} as facts
    inner join old_domains
        on lower(facts.corporate_email) = old_domains.old_domain

    union all

    select
        'jafflegaggle_corporate_accounts' as model_name,
        accounts.corporate_email as row_key,
        accounts.corporate_email
    from {{ ref('jafflegaggle_corporate_accounts') }} as accounts
    inner join old_domains
        on lower(accounts.corporate_email) = old_domains.old_domain

)

select * from offenders
