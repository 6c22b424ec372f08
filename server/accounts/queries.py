from server.accounts.models import User
from server.notifications.queries import unread_count
from server.points.queries import balance
from server.privacy import mask_phone


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
        "phone": mask_phone(user.phone) if user.phone else None,
        "points_balance": balance(user.id),
        "unread_notifications": unread_count(user.id),
    }
