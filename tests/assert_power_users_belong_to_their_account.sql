-- The people an account names for sales to call (first_user_id,
-- most_active_user_id, most_orders_user_id) must be real contacts of that
-- company: their corporate_email, moved to the company's current domain by
-- merged_company_domain, is the account's corporate_email. A missing power
-- user fails too.
-- Returns one row per power user who does not belong to their account.

with accounts as (

    select * from {{ ref('jafflegaggle_corporate_accounts') }}

),

-- Companies that changed domain, one current domain per old one.
merged_company_domains as (

    select * from {{ ref('stg_merged_company_domains') }}

),

contact_companies as (

    select
        contacts.user_id,
        coalesce(merged_company_domains.new_domain, contacts.corporate_email) as company_domain

    from {{ ref('jafflegaggle_contacts') }} as contacts
    left join merged_company_domains
        on contacts.corporate_email = merged_company_domains.old_domain

    where contacts.corporate_email is not null

),

power_users as (

    select corporate_email, 'first_user_id' as power_user_role, first_user_id as user_id from accounts
    union all
    select corporate_email, 'most_active_user_id' as power_user_role, most_active_user_id as user_id from accounts
    union all
    select corporate_email, 'most_orders_user_id' as power_user_role, most_orders_user_id as user_id from accounts

)

select
    power_users.corporate_email,
    power_users.power_user_role,
    power_users.user_id

from power_users
left join contact_companies
    on contact_companies.user_id = power_users.user_id
    and contact_companies.company_domain = power_users.corporate_email

where contact_companies.user_id is null
