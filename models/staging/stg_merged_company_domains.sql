{{ config(materialized='view') }}

-- Companies that changed their e-mail domain (the Rams moved from rams.sl to
-- rams.la), from the hand-kept merged_company_domain seed. Lower-cased like
-- every domain in the project, and one target per old domain, so a merge
-- can never turn one company into two. (The first target is kept with
-- row_number in a subquery rather than QUALIFY, which Sail does not parse.)

with ranked as (

    select
        lower(old_domain) as old_domain,
        lower(new_domain) as new_domain,
        row_number() over (
            partition by lower(old_domain)
            order by lower(new_domain)
        ) as target_rank

    from {{ ref('merged_company_domain') }}

)

select
    old_domain,
    new_domain

from ranked

where target_rank = 1
