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

final as (
    {{ union_unknown_member('known_reps', {'rep_id': 'unknown', 'rep_name': 'Unknown'}) }}
)

select * from final
