{{ config(materialized='view') }}

-- Companies that changed their e-mail domain (the Rams moved from rams.sl to
-- rams.la), from the hand-kept merged_company_domain seed. Lower-cased like
-- every domain in the project, and one target per old domain, so a merge
-- can never turn one company into two.

select
    lower(old_domain) as old_domain,
    lower(new_domain) as new_domain

from {{ ref('merged_company_domain') }}

qualify row_number() over (
    partition by lower(old_domain)
    order by lower(new_domain)
) = 1
