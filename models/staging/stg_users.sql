{{ config(materialized='view') }}

-- One row per application account, as signed up. Nothing is merged here:
-- identity resolution happens in jafflegaggle_contacts, so this view stays a
-- faithful, typed copy of the raw seed.

with source as (

    select * from {{ ref('raw_user') }}

),

renamed as (

    select
        cast(id as integer) as user_id,
        cast(name as {{ dbt.type_string() }}) as user_name,
        cast(email as {{ dbt.type_string() }}) as email,
        -- the account's company is read from its e-mail domain
        {{ extract_email_domain('email') }} as email_domain,
        cast(gaggle_id as integer) as gaggle_id,
        cast(created_at as timestamp) as created_at

    from source

)

select * from renamed
