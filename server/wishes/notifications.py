"""Who hears what of a wish, in one table, and who each audience is.

``RULES`` maps each wish action to the notifications it causes: a kind (also the key of its
subscribe template in the ``WECHAT_SUBSCRIBE_TEMPLATES`` setting), the audience, and the
Chinese title and body. ``notify_wish_event`` resolves the audiences against the wish after
the transition and hands the worded messages to server.notifications.operations.notify, which
keeps the two promises: the actor never hears of their own action, and each person hears of
one event once (the first rule that reaches them wins, so list personal audiences first).
"""

import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from flask import current_app
from sqlalchemy import bindparam, select

from server.accounts.models import RoleGrant, User
from server.areas.models import Area, path_ids
from server.core.extensions import db
from server.notifications import registry
from server.notifications.operations import Message, Subject, notify
from server.wishes.models import Wish

SUBJECT = "wish"  # the subject type of a wish's notifications; pages may name it {wish_id}
NOTE_IN_BODY = 60  # characters of a reason or comment quoted in a notification

# Audiences, resolved against the wish after the transition.
OWNER = "owner"
CLAIMER = "claimer"  # the claimer after the event (claim, assign, confirm, dispute)
FORMER_CLAIMER = "former_claimer"  # the claimer the event removed (release, resolve to open)
GRID_WORKERS = "grid_workers"  # grid worker grants covering the wish's grid
COMMUNITY_ADMINS = "community_admins"  # admin grants on the community the wish's grid is in

STATUS_NAMES = {
    "pending_review": "待审核",
    "open": "待认领",
    "rejected": "未通过",
    "cancelled": "已撤销",
    "claimed": "已认领",
    "fulfilled": "待确认",
    "confirmed": "已完成",
    "disputed": "有异议",
    "closed": "已关闭",
}

RESOLUTION_NAMES = {"completed": "已完成", "unresolved": "未解决", "duplicate": "重复提交", "invalid": "无效心愿"}


@dataclass(frozen=True)
class Event:
    """A timeline event as written (a ``wish_events`` row): what the rules and texts read of it."""

    id: int
    wish_id: int
    actor_id: int | None
    previous_claimer_id: int | None
    action: str
    from_status: str | None
    to_status: str
    note: str | None
    created_at: datetime


def _by_person(event) -> bool:
    return event.actor_id is not None


def _by_system(event) -> bool:
    return event.actor_id is None


def _to(status: str) -> Callable:
    return lambda event: event.to_status == status


@dataclass(frozen=True)
class Rule:
    kind: str
    audience: str
    title: str
    body: str
    when: Callable | None = None

    def applies(self, event) -> bool:
        return self.when is None or self.when(event)

    def render(self, context: dict) -> tuple[str, str]:
        return self.title, self.body.format(**context)

    @cached_property
    def fields(self) -> frozenset[str]:
        """The context keys its body names."""
        return frozenset(name for _, name, _, _ in string.Formatter().parse(self.body) if name)


RULES: dict[str, tuple[Rule, ...]] = {
    "post": (
        Rule(
            "wish_to_review",
            GRID_WORKERS,
            "新心愿待审核",
            "居民{actor}发布了心愿「{title}」（{number}），请及时审核。",
            when=_to("pending_review"),
        ),
    ),
    "approve": (Rule("wish_approved", OWNER, "心愿已通过审核", "您的心愿「{title}」已通过审核，正在等待党员认领。"),),
    "reject": (Rule("wish_rejected", OWNER, "心愿未通过审核", "您的心愿「{title}」未通过审核，原因：{note}"),),
    "claim": (Rule("wish_claimed", OWNER, "心愿已被认领", "党员{claimer}认领了您的心愿「{title}」，会尽快与您联系。"),),
    "assign": (
        Rule("wish_assigned", CLAIMER, "网格员给您指派了心愿", "网格员将心愿「{title}」指派给您，请及时联系居民。"),
        Rule("wish_claimed", OWNER, "心愿已指派党员", "网格员已将您的心愿「{title}」指派给党员{claimer}。"),
    ),
    "release": (
        Rule("wish_released", OWNER, "心愿重新等待认领", "您的心愿「{title}」已被释放，重新等待党员认领。"),
        Rule(
            "claim_released",
            FORMER_CLAIMER,
            "您的认领已被释放",
            "网格员释放了您认领的心愿「{title}」。",
            when=_by_person,
        ),
        Rule(
            "claim_released",
            FORMER_CLAIMER,
            "认领超时已释放",
            "您认领的心愿「{title}」超过期限未完成，已自动释放，并按规则扣减积分。",
            when=_by_system,
        ),
    ),
    "fulfil": (
        Rule("wish_fulfilled", OWNER, "心愿已完成，请确认", "党员{claimer}已完成您的心愿「{title}」，请确认并评价。"),
    ),
    "confirm": (
        Rule(
            "wish_confirmed",
            CLAIMER,
            "居民确认了您的服务",
            "居民确认心愿「{title}」已完成，评价{stars}星，积分已计入。",
            when=_by_person,
        ),
        Rule(
            "wish_confirmed",
            CLAIMER,
            "心愿已自动确认",
            "心愿「{title}」已过确认期限，系统自动确认完成，积分已计入。",
            when=_by_system,
        ),
    ),
    "dispute": (
        Rule(
            "wish_disputed",
            CLAIMER,
            "居民对完成情况有异议",
            "居民对心愿「{title}」提出异议，网格员将协调处理。异议：{note}",
        ),
        Rule("dispute_to_handle", GRID_WORKERS, "有异议待处理", "心愿「{title}」（{number}）的发布人提出异议：{note}"),
    ),
    "resolve": (
        Rule(
            "dispute_resolved",
            OWNER,
            "异议已处理",
            "网格员已处理心愿「{title}」的异议：认定为已完成。",
            when=_to("confirmed"),
        ),
        Rule(
            "dispute_resolved",
            CLAIMER,
            "异议已处理",
            "网格员已处理心愿「{title}」的异议：认定为已完成，积分已计入。",
            when=_to("confirmed"),
        ),
        Rule(
            "dispute_resolved",
            OWNER,
            "异议已处理",
            "网格员已处理心愿「{title}」的异议：心愿重新开放认领。",
            when=_to("open"),
        ),
        Rule(
            "dispute_resolved",
            FORMER_CLAIMER,
            "异议已处理",
            "网格员已处理心愿「{title}」的异议：心愿重新开放，您的认领已解除。",
            when=_to("open"),
        ),
    ),
    "close": (Rule("wish_closed", OWNER, "心愿已关闭", "您的心愿「{title}」已关闭，处理结果：{resolution}。"),),
    # Reminders of the scheduled sweeps (server/wishes/tasks.py): timeline events by the
    # system that leave the status as it was.
    "review_overdue": (
        Rule(
            "review_overdue", GRID_WORKERS, "心愿审核已超时", "心愿「{title}」（{number}）已超过审核时限，请尽快审核。"
        ),
        Rule(
            "review_overdue",
            COMMUNITY_ADMINS,
            "心愿审核已超时",
            "心愿「{title}」（{number}）已超过审核时限仍未审核，请督促网格员处理。",
        ),
    ),
    "escalate": (
        Rule(
            "wish_escalated",
            GRID_WORKERS,
            "心愿长时间无人认领",
            "心愿「{title}」（{number}）长时间无人认领，请协调党员认领或指派。",
        ),
    ),
    "claim_reminder": (
        Rule(
            "claim_reminder",
            CLAIMER,
            "认领的心愿即将超时",
            "您认领的心愿「{title}」尚未完成，请尽快完成，超时将自动释放并扣减积分。",
        ),
    ),
}

KINDS = tuple(sorted({rule.kind for rules in RULES.values() for rule in rules}))

# What a template keyword may be filled with (the ``data`` of a WECHAT_SUBSCRIBE_TEMPLATES
# entry), besides notify's own time, headline and body.
VALUE_SOURCES = (
    "number",  # the wish's public number
    "title",  # the wish's title
    "category",  # its category name
    "status",  # its status after the event, as a short phrase (待认领)
    "note",  # the event's note (reason, comment), or 无
    "actor",  # who acted (nickname), or 系统
    "claimer",  # the claimer's nickname
)

registry.register(SUBJECT, kinds=KINDS, value_sources=VALUE_SOURCES)


def notify_wish_event(wish: Wish, event: Event) -> list[int]:
    """Write the inbox rows (and outbox rows where a template is configured) for ``event``,
    inside the transition's transaction."""
    rules = [rule for rule in RULES.get(event.action, ()) if rule.applies(event)]
    if not rules:
        return []
    templates = current_app.config["WECHAT_SUBSCRIBE_TEMPLATES"]
    needed = {name for rule in rules for name in rule.fields}
    needed.update(source for rule in rules for source in templates.get(rule.kind, {}).get("data", {}).values())
    context = _context(wish, event, needed)
    messages = [Message(rule.kind, _audience(rule.audience, wish, event), *rule.render(context)) for rule in rules]
    return notify(
        Subject(SUBJECT, wish.id),
        messages,
        context,
        event=f"wish_event:{event.id}",
        actor_id=event.actor_id,
        at=event.created_at,
    )


# -- who and what ---------------------------------------------------------------------------


def _audience(audience: str, wish: Wish, event: Event) -> list[int | None]:
    if audience == OWNER:
        return [wish.owner_id]
    if audience == CLAIMER:
        return [wish.claimer_id]
    if audience == FORMER_CLAIMER:
        return [event.previous_claimer_id]
    if audience == GRID_WORKERS:
        return _grid_worker_ids(wish)
    if audience == COMMUNITY_ADMINS:
        return _community_admin_ids(wish)
    raise ValueError(f"unknown audience {audience!r}")


# Built once: building a statement costs more than running it.
_GRANTS_ON = (
    select(RoleGrant.user_id)
    .where(RoleGrant.role == bindparam("role"), RoleGrant.area_id.in_(bindparam("area_ids", expanding=True)))
    .distinct()
    .order_by(RoleGrant.user_id)
)
_ADMIN_GRANTS_ON_COMMUNITY = (
    select(RoleGrant.user_id)
    .join(Area, Area.id == RoleGrant.area_id)
    .where(
        RoleGrant.role == "admin",
        RoleGrant.area_id.in_(bindparam("area_ids", expanding=True)),
        Area.level == "community",
    )
    .distinct()
    .order_by(RoleGrant.user_id)
)


def _grid_worker_ids(wish: Wish) -> list[int]:
    """Holders of a grid worker grant on the wish's grid or a node above it."""
    return list(db.session.scalars(_GRANTS_ON, {"role": "grid_worker", "area_ids": path_ids(wish.area_path)}))


def _community_admin_ids(wish: Wish) -> list[int]:
    """Holders of an admin grant on the community node above the wish's grid."""
    return list(db.session.scalars(_ADMIN_GRANTS_ON_COMMUNITY, {"area_ids": path_ids(wish.area_path)}))


def _context(wish: Wish, event: Event, needed: set[str]) -> dict:
    """What the texts and template keywords are filled from (VALUE_SOURCES, and stars and
    resolution for the texts). The actor and the claimer are read only when a text or a
    template of the event names them."""
    actor = db.session.get(User, event.actor_id) if event.actor_id is not None and "actor" in needed else None
    claimer = db.session.get(User, wish.claimer_id) if wish.claimer_id is not None and "claimer" in needed else None
    note = " ".join((event.note or "").split())
    return {
        "number": wish.number or "",
        "title": wish.title,
        "category": wish.category_name,
        "status": STATUS_NAMES.get(event.to_status, event.to_status),
        "note": (note if len(note) <= NOTE_IN_BODY else note[: NOTE_IN_BODY - 1] + "…") or "无",
        "actor": actor.nickname if actor else "系统",
        "claimer": claimer.nickname if claimer else "",
        "stars": wish.stars or "",
        "resolution": RESOLUTION_NAMES.get(wish.resolution or "", "已关闭"),
    }
