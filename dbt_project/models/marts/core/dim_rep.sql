with

users as (
    select * from {{ ref('stg_crm__users') }}
),

known_reps as (
    select
        users.user_id as rep_id,
        users.full_name as rep_name,
        users.role,
        users.team,
        users.manager_id,
        managers.full_name as manager_name,
        users.territory,
        users.is_active,
        users.is_deleted,
        users.hired_on,
        users.deactivated_on,
        users.deleted_at
    from users
    left join users as managers
        on users.manager_id = managers.user_id
),

unknown_member as (
    select
        'unknown' as rep_id,
        'Unknown' as rep_name,
        cast(null as {{ dbt.type_string() }}) as role,
        cast(null as {{ dbt.type_string() }}) as team,
        cast(null as {{ dbt.type_string() }}) as manager_id,
        cast(null as {{ dbt.type_string() }}) as manager_name,
        cast(null as {{ dbt.type_string() }}) as territory,
        false as is_active,
        false as is_deleted,
        cast(null as date) as hired_on,
        cast(null as date) as deactivated_on,
        cast(null as {{ dbt.type_timestamp() }}) as deleted_at
),

final as (
    select * from known_reps
    union all
    select * from unknown_member
)

select * from final
