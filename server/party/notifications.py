"""Who hears of a membership application: the reviewers of a new one, the applicant of the
decision."""

from sqlalchemy import bindparam, select

from server.accounts.models import RoleGrant
from server.areas.models import path_ids
from server.core.extensions import db
from server.notifications import registry
from server.notifications.operations import Message, Subject, notify
from server.party.models import STATUSES

SUBJECT = "party_membership"
KINDS = ("party_membership_to_review", "party_membership_approved", "party_membership_rejected")
VALUE_SOURCES = ("branch", "decision", "reason")

registry.register(SUBJECT, kinds=KINDS, value_sources=VALUE_SOURCES)

_GRID_WORKERS_ON = (
    select(RoleGrant.user_id)
    .where(RoleGrant.role == "grid_worker", RoleGrant.area_id.in_(bindparam("area_ids", expanding=True)))
    .distinct()
    .order_by(RoleGrant.user_id)
)


def _context(application) -> dict:
    return {
        "branch": application.branch,
        "decision": STATUSES[application.status],
        "reason": application.reason or "无",
    }


def notify_applied(application, secretary_id: int | None) -> list[int]:
    """The grid workers of the applicant's home grid and the named unit's secretary."""
    workers = list(db.session.scalars(_GRID_WORKERS_ON, {"area_ids": path_ids(application.area_path)}))
    message = Message(
        "party_membership_to_review",
        [*workers, secretary_id],
        "党员身份认证待审核",
        f"居民申请认证党员身份（{application.branch}），请及时审核。",
    )
    return _notify(application, message, f"party_membership:{application.id}:applied", application.user_id)


def notify_decided(application) -> list[int]:
    if application.status == "approved":
        message = Message(
            "party_membership_approved",
            [application.user_id],
            "党员身份认证已通过",
            "您的党员身份认证已通过，现在可以认领微心愿了。",
        )
    else:
        message = Message(
            "party_membership_rejected",
            [application.user_id],
            "党员身份认证未通过",
            f"您的党员身份认证未通过，原因：{application.reason}",
        )
    return _notify(application, message, f"party_membership:{application.id}:decided", application.reviewer_id)


def _notify(application, message: Message, event: str, actor_id: int | None) -> list[int]:
    return notify(Subject(SUBJECT, application.id), [message], _context(application), event=event, actor_id=actor_id)
