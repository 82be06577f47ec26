{{ config(materialized='view') }}

-- One row per product event: recipe_viewed, recipe_favorited or order_placed.

with source as (

    select * from {{ ref('raw_event') }}

),

renamed as (

    select
        cast(event_id as bigint) as event_id,
        cast(user_id as integer) as user_id,
        cast(event_name as varchar) as event_name,
        cast("timestamp" as timestamp) as "timestamp"

    from source

)

select * from renamed
