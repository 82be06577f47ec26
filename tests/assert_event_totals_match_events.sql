-- Merging people must neither lose nor double-count activity: every product
-- event (and every order) is counted exactly once over all contacts, and
-- exactly once over all gaggles.
-- Returns one row per total that does not match the event stream.

with event_totals as (

    select
        count(*) as number_of_events,
        count(*) filter (where event_name = 'order_placed') as number_of_orders
    from {{ ref('stg_events') }}

),

contact_totals as (

    select
        coalesce(sum(number_of_events), 0) as number_of_events,
        coalesce(sum(number_of_orders), 0) as number_of_orders
    from {{ ref('jafflegaggle_contacts') }}

),

gaggle_totals as (

    select
        coalesce(sum(number_of_events), 0) as number_of_events,
        coalesce(sum(number_of_orders), 0) as number_of_orders
    from {{ ref('jafflegaggle_facts') }}

),

comparisons as (

    select 'jafflegaggle_contacts' as model_name, 'number_of_events' as measure,
        event_totals.number_of_events as expected, contact_totals.number_of_events as actual
    from event_totals cross join contact_totals

    union all

    select 'jafflegaggle_contacts', 'number_of_orders',
        event_totals.number_of_orders, contact_totals.number_of_orders
    from event_totals cross join contact_totals

    union all

    select 'jafflegaggle_facts', 'number_of_events',
        event_totals.number_of_events, gaggle_totals.number_of_events
    from event_totals cross join gaggle_totals

    union all

    select 'jafflegaggle_facts', 'number_of_orders',
        event_totals.number_of_orders, gaggle_totals.number_of_orders
    from event_totals cross join gaggle_totals

)

select * from comparisons
where expected <> actual
