from server.accounts.models import User
from server.points.queries import balance


def profile(user: User) -> dict:
    """What ``/me`` shows: every role the person holds, residents' included."""
    roles = [{"role": "resident", "area_id": user.home_grid_id}]
    roles += [
        {
            "role": grant.role,
            "area_id": grant.area_id,
            "status": grant.status,
            "branch": grant.branch,
            "work_unit": grant.work_unit,
        }
        for grant in user.grants
    ]
    return {
        "id": user.id,
        "nickname": user.nickname,
        "roles": roles,
        "home_grid_id": user.home_grid_id,
        "points_balance": balance(user.id),
    }
