"""Who may do what with an activity: one rule each, next to the model."""

from server.accounts.models import User
from server.core.errors import NotFound


def may_organise_in(user: User, area_path: str) -> bool:
    """Grid workers and admins whose scope covers the area create its activities."""
    return user.is_staff_for(area_path)


def may_manage(user: User, activity) -> bool:
    """The organiser, or the staff of the activity's area (a grid worker of that grid, an admin
    above it), see the check-in code and complete the activity; the staff also run the party
    days the job creates, which have no organiser."""
    return (activity.organiser_id is not None and activity.organiser_id == user.id) or user.is_staff_for(
        activity.area_path
    )


def may_volunteer(user: User) -> bool:
    """Verified party members only. Residents take part in what the activities do, but the
    hours here are the party members' service record (在职党员进社区, 志愿服务证明): they earn
    points, feed the members', units' and grids' rankings, and the certificate vouches for a
    person whose identity a grid worker verified. A resident's hours would be vouched for by
    nobody, so residents come as they are, without signing up."""
    return user.is_verified_party_member


def not_found(activity_id: int) -> NotFound:
    return NotFound("未找到该活动", details={"activity_id": activity_id})
