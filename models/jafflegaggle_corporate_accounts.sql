{{ config(materialized='table') }}

-- One row per company (corporate e-mail domain): the account the sales team
-- works. A company may own several gaggles, and may have changed domain
-- (thrashers.com became jets.com), so gaggles are rolled up by the company's
-- current domain. Each account also names the people to reach out to.

with corporate_gaggles as (

    -- jafflegaggle_facts has already put each gaggle under its company's
    -- current domain; gaggles of personal addresses only have none
    select * from {{ ref('jafflegaggle_facts') }}
    where corporate_email is not null

),

contacts as (

    select * from {{ ref('jafflegaggle_contacts') }}

),

-- Companies that changed domain, one current domain per old one.
merged_company_domains as (

    select * from {{ ref('stg_merged_company_domains') }}

),

account_figures as (

    select
        corporate_email,
        count(gaggle_id) as number_of_gaggles,
        min(created_at) as created_at,

        -- the company's own people across its gaggles
        min(first_event_corporate) as first_event_corporate,
        max(most_recent_event_corporate) as most_recent_event_corporate,
        cast(sum(number_of_events_corporate) as bigint) as number_of_events_corporate,
        cast(sum(number_of_users_corporate) as bigint) as number_of_users_corporate,
        min(first_order_corporate) as first_order_corporate,
        max(most_recent_order_corporate) as most_recent_order_corporate,
        cast(sum(number_of_orders_corporate) as bigint) as number_of_orders_corporate,

        -- everyone in those gaggles, personal addresses included
        min(first_event) as first_event_associated,
        max(most_recent_event) as most_recent_event_associated,
        cast(sum(number_of_events) as bigint) as number_of_events_associated,
        cast(sum(number_of_users) as bigint) as number_of_users_associated,
        min(first_order) as first_order_associated,
        max(most_recent_order) as most_recent_order_associated,
        cast(sum(number_of_orders) as bigint) as number_of_orders_associated

    from corporate_gaggles

    group by corporate_email

),

-- Every corporate contact under the company's current domain, whichever
-- gaggle they sit in.
account_contacts as (

    select
        coalesce(merged_company_domains.new_domain, contacts.corporate_email) as corporate_email,
        contacts.user_id,
        contacts.created_at,
        contacts.number_of_events,
        contacts.number_of_orders

    from contacts
    left join merged_company_domains
        on contacts.corporate_email = merged_company_domains.old_domain

    where contacts.corporate_email is not null

),

-- Who to call: the person who signed up first (often the office manager who
-- started it all), the most active one and the biggest orderer. Ties go to
-- the lowest user_id so the answer never changes from run to run. Each
-- company's contacts are ranked three ways; number 1 of each is the answer.
ranked_contacts as (

    select
        corporate_email,
        user_id,
        row_number() over (
            partition by corporate_email
            order by created_at asc nulls last, user_id asc
        ) as by_signup,
        row_number() over (
            partition by corporate_email
            order by number_of_events desc nulls last, user_id asc
        ) as by_events,
        row_number() over (
            partition by corporate_email
            order by number_of_orders desc nulls last, user_id asc
        ) as by_orders

    from account_contacts

),

power_users as (

    select
        corporate_email,
        max(case when by_signup = 1 then user_id end) as first_user_id,
        max(case when by_events = 1 then user_id end) as most_active_user_id,
        max(case when by_orders = 1 then user_id end) as most_orders_user_id

    from ranked_contacts

    group by corporate_email

),

final as (

    select
        account_figures.corporate_email,
        account_figures.number_of_gaggles,
        account_figures.created_at,

        account_figures.first_event_corporate,
        account_figures.most_recent_event_corporate,
        account_figures.number_of_events_corporate,
        account_figures.number_of_users_corporate,
        account_figures.first_order_corporate,
        account_figures.most_recent_order_corporate,
        account_figures.number_of_orders_corporate,

        account_figures.first_event_associated,
        account_figures.most_recent_event_associated,
        account_figures.number_of_events_associated,
        account_figures.number_of_users_associated,
        account_figures.first_order_associated,
        account_figures.most_recent_order_associated,
        account_figures.number_of_orders_associated,

        power_users.first_user_id,
        power_users.most_active_user_id,
        power_users.most_orders_user_id

    from account_figures
    left join power_users
        on power_users.corporate_email = account_figures.corporate_email

)

select * from final
