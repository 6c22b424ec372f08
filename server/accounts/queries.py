from server.accounts.models import User
from server.core.privacy import mask_phone


def account_profile(user: User) -> dict:
    """The account part of ``/me``: every role the person holds, residents' included."""
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
    }
