{{ config(materialized='table') }}

{% set personal_emails = get_personal_emails() %}

-- One row per person: the contacts the CRM will hold.
--
-- Some people signed up twice (an old account and a new one); the ops team
-- lists them in the merged_user seed. Both accounts become one contact, known
-- by the new account's id and e-mail, and the old account's history counts
-- for that contact. Everyone else passes through as they are.

with users as (

    select * from {{ ref('stg_users') }}

),

events as (

    select * from {{ ref('stg_events') }}

),

-- The merge list is typed by hand: addresses are compared case-insensitively,
-- and an old address listed twice keeps a single target so no account is
-- counted twice.
ranked_merges as (

    select
        lower(old_email) as old_email_key,
        lower(new_email) as new_email_key,
        new_email,
        row_number() over (
            partition by lower(old_email)
            order by lower(new_email)
        ) as target_rank

    from {{ ref('merged_user') }}

),

merged_users as (

    select
        old_email_key,
        new_email_key,
        new_email

    from ranked_merges

    where target_rank = 1

),

-- Every account points at the contact it belongs to: an old account at its
-- new account, any other account at itself.
account_to_contact as (

    select
        users.user_id as account_id,
        coalesce(new_accounts.user_id, users.user_id) as contact_id,
        -- the contact is known by the new address, spelt as the new account stores it
        coalesce(new_accounts.email, merged_users.new_email, users.email) as contact_email

    from users
    left join merged_users
        on lower(users.email) = merged_users.old_email_key
    left join users as new_accounts
        on lower(new_accounts.email) = merged_users.new_email_key

),

-- Who the person is now: the newest account carries their current name and
-- gaggle, the earliest one says when they became a user. The two can be
-- different accounts (a new account may be created before the old one).
-- Each contact's accounts are numbered newest first (ties to the highest
-- id), and the profile takes its name and gaggle from number 1.
contact_accounts as (

    select
        account_to_contact.contact_id,
        account_to_contact.contact_email,
        users.user_name,
        users.gaggle_id,
        users.created_at,
        row_number() over (
            partition by account_to_contact.contact_id, account_to_contact.contact_email
            order by users.created_at desc nulls last, users.user_id desc
        ) as newest_first

    from account_to_contact
    inner join users
        on users.user_id = account_to_contact.account_id

),

contact_profiles as (

    select
        contact_id as user_id,
        contact_email as email,
        max(case when newest_first = 1 then user_name end) as user_name,
        max(case when newest_first = 1 then gaggle_id end) as gaggle_id,
        min(created_at) as created_at

    from contact_accounts

    group by
        contact_id,
        contact_email

),

-- Activity per contact. Events follow their account to its contact, so an old
-- account's events count for the merged person. Orders are broken out because
-- they are what the sales team is paid on.
contact_events as (

    select
        account_to_contact.contact_id,

        min(events.timestamp) as first_event,
        max(events.timestamp) as most_recent_event,
        count(events.event_id) as number_of_events,

        min(events.timestamp) filter (where events.event_name = 'order_placed') as first_order,
        max(events.timestamp) filter (where events.event_name = 'order_placed') as most_recent_order,
        count(events.event_id) filter (where events.event_name = 'order_placed') as number_of_orders

    from events
    inner join account_to_contact
        on events.user_id = account_to_contact.account_id

    group by account_to_contact.contact_id

),

with_domains as (

    select
        contact_profiles.*,
        {{ extract_email_domain('contact_profiles.email') }} as email_domain

    from contact_profiles

),

final as (

    select
        with_domains.user_id,
        with_domains.user_name,
        with_domains.email,

        -- a personal address says nothing about the company, so it gets no
        -- corporate domain and never joins an account
        case
            when with_domains.email_domain in {{ personal_emails }} then null
            else with_domains.email_domain
        end as corporate_email,

        with_domains.gaggle_id,
        with_domains.created_at,

        contact_events.first_event,
        contact_events.most_recent_event,
        -- a contact with no events has done nothing yet: 0, not unknown
        coalesce(contact_events.number_of_events, 0) as number_of_events,

        contact_events.first_order,
        contact_events.most_recent_order,
        coalesce(contact_events.number_of_orders, 0) as number_of_orders,

        cast(with_domains.created_at as date) as user_cohort

    from with_domains
    left join contact_events
        on contact_events.contact_id = with_domains.user_id

)

select * from final
