{{ config(
    materialized='incremental',
    unique_key='event_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns'
) }}

-- One row per product event: recipe_viewed, recipe_favorited or order_placed.
-- Events only ever arrive, so this model is incremental: a run reads just the
-- events newer than the newest one already loaded, keyed on event_id so an
-- event delivered twice is stored once.

with source as (

    select * from {{ ref('raw_event') }}

),

renamed as (

    select
        cast(event_id as bigint) as event_id,
        cast(user_id as integer) as user_id,
        cast(event_name as {{ dbt.type_string() }}) as event_name,
        cast({{ adapter.quote('timestamp') }} as timestamp) as {{ adapter.quote('timestamp') }}

    from source

)

select * from renamed
{% if is_incremental() %}
where {{ adapter.quote('timestamp') }} > (select max({{ adapter.quote('timestamp') }}) from {{ this }})
{% endif %}
