"""Erasing a person on request (``DELETE /api/v1/me``, PIPL art. 47).

What goes: the openid's link (a later WeChat login makes a new, empty account), the nickname,
the phone, the real name, branch and work unit of a party member, staff roles and the console
password, the inbox, subscriptions and read marks, and the stored answers of their requests.
What stays, anonymised: their wishes (for the statistics: category, grid, status and dates,
with title, text and contact removed), their timeline events, and their ledger, volunteer hours
and verified membership under the pseudonym the account becomes, so that no one else's rank
and no figure of the community changes.

Refused (409) while the person holds a claim, or while a wish of theirs is being done by a
helper who may still need to reach them; their own wishes nobody has taken are withdrawn first.
"""

import secrets

from sqlalchemy import delete, select, update

from server.accounts.models import RoleGrant, StaffCredential, User
from server.activities import operations as activities
from server.activities.models import ACTIVE_STATUSES, Activity, Signup
from server.announcements.models import AnnouncementRead
from server.core import clock
from server.core.errors import Conflict
from server.core.extensions import db
from server.idempotency.models import IdempotencyRecord
from server.notifications.models import Notification, OutboxMessage, SubscribeCredit
from server.party.models import MembershipApplication
from server.points.operations import decide_one_at_a_time
from server.posts import operations as posts
from server.posts.models import PostHolder
from server.units.models import MatterFollower
from server.wishes import operations as wishes
from server.wishes.models import Wish

PSEUDONYM = "已注销用户"
ERASED_TEXT = "（已注销）"
# A helper may still need the owner's contact for these.
IN_HANDS = ("claimed", "fulfilled", "disputed")


def erase(user: User) -> None:
    """Erase ``user`` in the request's transaction (the caller commits).

    Their row is locked first, as a claim locks it: a claim of theirs under way is committed
    before the check below reads the claims held, and one arriving after waits, then finds
    their token revoked (points.decide_as)."""
    decide_one_at_a_time(user.id)
    _refuse_while_needed(user)
    now = clock.now()
    for wish in db.session.scalars(
        select(Wish).where(Wish.owner_id == user.id, Wish.status.in_(("pending_review", "open")))
    ):
        wishes.cancel(wish, user, reason="发布人已注销账号")
    _leave_what_is_ahead(user, now)
    db.session.execute(
        update(Wish)
        .where(Wish.owner_id == user.id)
        .values(title=ERASED_TEXT, description=ERASED_TEXT, address="", contact_phone="", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(MembershipApplication)
        .where(MembershipApplication.user_id == user.id)
        .values(name="")
        .execution_options(synchronize_session=False)
    )
    outbox_of_user = select(Notification.id).where(Notification.user_id == user.id)
    for statement in (
        delete(OutboxMessage).where(OutboxMessage.notification_id.in_(outbox_of_user)),
        delete(Notification).where(Notification.user_id == user.id),
        delete(SubscribeCredit).where(SubscribeCredit.user_id == user.id),
        delete(AnnouncementRead).where(AnnouncementRead.user_id == user.id),
        delete(MatterFollower).where(MatterFollower.user_id == user.id),
        delete(IdempotencyRecord).where(IdempotencyRecord.user_id == user.id),
        delete(StaffCredential).where(StaffCredential.user_id == user.id),
        delete(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.role != "party_member"),
        update(RoleGrant).where(RoleGrant.user_id == user.id).values(branch=None, work_unit=None),
    ):
        db.session.execute(statement.execution_options(synchronize_session=False))
    user.openid = f"erased:{user.id}:{secrets.token_hex(8)}"
    user.nickname = PSEUDONYM
    user.phone = None
    user.erased_at = now
    user.token_version += 1  # every token of theirs is dead from the next request
    db.session.expire(user, ["grants"])


def _refuse_while_needed(user: User) -> None:
    held = db.session.scalar(select(Wish.number).where(Wish.claimer_id == user.id, Wish.status == "claimed").limit(1))
    if held is not None:
        raise Conflict(
            "您还有认领中的心愿，请先完成或释放后再注销",
            code="holding_claim",
            details={"wish_number": held},
        )
    in_hands = db.session.scalar(
        select(Wish.number).where(Wish.owner_id == user.id, Wish.status.in_(IN_HANDS)).limit(1)
    )
    if in_hands is not None:
        raise Conflict(
            "您发布的心愿正在办理中，请办结后再注销",
            code="wish_in_progress",
            details={"wish_number": in_hands},
        )


def _leave_what_is_ahead(user: User, now) -> None:
    """Places held in activities not yet started, and service posts, go to others."""
    upcoming = db.session.execute(
        select(Activity, Signup)
        .join(Signup, Signup.activity_id == Activity.id)
        .where(
            Signup.user_id == user.id,
            Signup.status.in_(ACTIVE_STATUSES),
            Signup.checked_in_at.is_(None),
            Activity.ends_at > now,
        )
    ).all()
    for activity, _signup in upcoming:
        activities.withdraw(activity, user)
    for holder in db.session.scalars(select(PostHolder).where(PostHolder.user_id == user.id)):
        posts.step_down(posts.get_post(holder.post_id), user, member_id=user.id)
