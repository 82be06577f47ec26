{{ config(materialized='view') }}

-- One row per gaggle (a workspace where coworkers share jaffle recipes).

with source as (

    select * from {{ ref('raw_gaggle') }}

),

renamed as (

    select
        cast(id as integer) as gaggle_id,
        cast(name as {{ dbt.type_string() }}) as gaggle_name,
        cast(created_at as timestamp) as created_at

    from source

)

select * from renamed
