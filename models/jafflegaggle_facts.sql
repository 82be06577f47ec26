{{ config(materialized='table') }}

-- One row per gaggle: how big and how active each workspace is, over all of
-- its contacts and over its corporate contacts only, plus the company the
-- gaggle belongs to.

with gaggles as (

    select * from {{ ref('stg_gaggles') }}

),

contacts as (

    select * from {{ ref('jafflegaggle_contacts') }}

),

-- Companies that changed domain, one current domain per old one.
merged_company_domains as (

    select * from {{ ref('stg_merged_company_domains') }}

),

-- Each corporate contact under the company's current domain, so that users
-- on the old and on the new domain count as the same company.
corporate_contacts as (

    select
        contacts.gaggle_id,
        coalesce(merged_company_domains.new_domain, contacts.corporate_email) as company_domain

    from contacts
    left join merged_company_domains
        on contacts.corporate_email = merged_company_domains.old_domain

    where contacts.corporate_email is not null

),

-- A gaggle is taken to belong to one company. Should its corporate users
-- disagree, the domain most of them share wins (alphabetical on a tie), so
-- every gaggle stays a single row.
ranked_domains as (

    select
        gaggle_id,
        company_domain,
        row_number() over (
            partition by gaggle_id
            order by count(*) desc, company_domain asc
        ) as domain_rank

    from corporate_contacts

    group by gaggle_id, company_domain

),

gaggle_domains as (

    select
        gaggle_id,
        company_domain as corporate_email

    from ranked_domains

    where domain_rank = 1

),

-- Starting from the gaggles keeps the ones without contacts (every user
-- merged away): they get zero counts instead of disappearing.
gaggle_figures as (

    select
        gaggles.gaggle_id,
        gaggles.gaggle_name,
        gaggles.created_at,

        -- the whole gaggle, personal addresses included
        min(contacts.first_event) as first_event,
        max(contacts.most_recent_event) as most_recent_event,
        cast(coalesce(sum(contacts.number_of_events), 0) as bigint) as number_of_events,
        count(contacts.user_id) as number_of_users,
        min(contacts.first_order) as first_order,
        max(contacts.most_recent_order) as most_recent_order,
        cast(coalesce(sum(contacts.number_of_orders), 0) as bigint) as number_of_orders,

        -- only the contacts the sales team can approach as a company
        min(contacts.first_event) filter (where contacts.corporate_email is not null) as first_event_corporate,
        max(contacts.most_recent_event) filter (where contacts.corporate_email is not null) as most_recent_event_corporate,
        cast(coalesce(sum(contacts.number_of_events) filter (where contacts.corporate_email is not null), 0) as bigint) as number_of_events_corporate,
        count(contacts.user_id) filter (where contacts.corporate_email is not null) as number_of_users_corporate,
        min(contacts.first_order) filter (where contacts.corporate_email is not null) as first_order_corporate,
        max(contacts.most_recent_order) filter (where contacts.corporate_email is not null) as most_recent_order_corporate,
        cast(coalesce(sum(contacts.number_of_orders) filter (where contacts.corporate_email is not null), 0) as bigint) as number_of_orders_corporate

    from gaggles
    left join contacts
        on contacts.gaggle_id = gaggles.gaggle_id

    group by
        gaggles.gaggle_id,
        gaggles.gaggle_name,
        gaggles.created_at

),

final as (

    select
        gaggle_figures.gaggle_id,
        gaggle_figures.gaggle_name,
        gaggle_figures.created_at,
        gaggle_domains.corporate_email,

        gaggle_figures.first_event,
        gaggle_figures.most_recent_event,
        gaggle_figures.number_of_events,
        gaggle_figures.number_of_users,
        gaggle_figures.first_order,
        gaggle_figures.most_recent_order,
        gaggle_figures.number_of_orders,

        gaggle_figures.first_event_corporate,
        gaggle_figures.most_recent_event_corporate,
        gaggle_figures.number_of_events_corporate,
        gaggle_figures.number_of_users_corporate,
        gaggle_figures.first_order_corporate,
        gaggle_figures.most_recent_order_corporate,
        gaggle_figures.number_of_orders_corporate

    from gaggle_figures
    left join gaggle_domains
        on gaggle_domains.gaggle_id = gaggle_figures.gaggle_id

)

select * from final
