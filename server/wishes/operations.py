"""Every state change of a wish: one function per transition of DESIGN §3.

Each checks who may act (403), then moves the state with a conditional UPDATE that names the
state it saw (409 when another request got there first), writes one timeline event and its
side effects in the same transaction. Functions flush; the request or job commits.
"""

import contextlib
import functools
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from server import moderation
from server.accounts.models import User
from server.areas.queries import ensure_accepts_new_content, reviewed_area
from server.areas.rules import windows_for
from server.core import clock
from server.core.errors import Forbidden, InvalidState, TooManyRequests, Unprocessable
from server.core.extensions import db
from server.points.operations import award_all, decide_as, decide_one_at_a_time, take_at_most
from server.uploads import operations as uploads
from server.uploads.models import Upload
from server.wishes import permissions
from server.wishes.models import Wish, WishEvent
from server.wishes.notifications import Event, notify_wish_event
from server.wishes.photos import attach_photos, wishes_using

_WISHES = Wish.__table__
_EVENTS = WishEvent.__table__
# Statements run on every state change are built once: building one costs more than running it.
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id)
_INSERT_WISH = insert(_WISHES).returning(_WISHES.c.id)
_NUMBER_WISH = update(_WISHES).where(_WISHES.c.id == bindparam("wish_id")).values(number=bindparam("number"))
# A new wish's columns before posting fills them: all of them, so the wish needs no read afterwards.
_NOTHING_YET = {column.key: None for column in _WISHES.c if column.key not in ("id", "number")}

# The timeline note of a wish sent back to review because one of its photos failed the check.
PHOTO_FAILED_NOTE = "图片未通过内容安全检测，已退回审核"

# The states a grid worker may close from, and the resolutions each allows.
CLOSE_RESOLUTIONS = permissions.CLOSE_RESOLUTIONS
_STAFF = permissions.STAFF_ACTIONS  # the console's buttons come from the same table


# What a wish back in the pool keeps of the last attempt: nothing but its timeline. Release,
# a claim timeout and a dispute reopened all leave the next claimer a clean wish.
BACK_IN_POOL = {
    "claimer_id": None,
    "claimed_at": None,
    "fulfil_note": None,
    "fulfil_photos": [],
    "fulfilled_at": None,
    "dispute_reason": None,
}

CLAIM_TIMEOUT_NOTE = "认领超时，系统自动释放"
AUTO_CONFIRM_NOTE = "超过确认期限，系统自动确认"


def get_wish_to_act_on(user: User, wish_id: int) -> Wish:
    """The wish an action of ``user`` names; 404 for one they could never have seen."""
    return _get(wish_id, user, permissions.may_address)


# Built once: session.get builds and cache-keys its SELECT on every call.
_WISH_BY_ID = select(Wish).where(Wish.id == bindparam("wish_id"))


def _get(wish_id: int, user: User, allowed) -> Wish:
    wish = db.session.execute(_WISH_BY_ID, {"wish_id": wish_id}).scalar()
    if wish is None or not allowed(user, wish):
        raise permissions.not_found(wish_id)
    return wish


def post_wish(owner: User, *, grid_id: int | None = None, **fields) -> Wish:
    grid_id = grid_id or owner.home_grid_id
    if grid_id is None:
        raise Unprocessable("请先绑定所在网格", details={"grid_id": ["请先绑定所在网格或指定 grid_id"]})
    grid = reviewed_area(grid_id)
    if grid.level != "grid":
        raise Unprocessable(details={"grid_id": ["必须是网格"]})
    ensure_accepts_new_content(grid)
    shown_at_once = moderation.check(
        owner, moderation.SCENE_FORUM, title=fields.get("title"), description=fields.get("description")
    )
    now = clock.now()
    status = "pending_review" if grid.review_required or not shown_at_once else "open"
    values = {
        **_NOTHING_YET,
        "owner_id": owner.id,
        "grid_id": grid.id,
        "area_path": grid.path,
        "status": status,
        "created_at": now,
        "updated_at": now,
        "status_since": now,
        "photos": [],
        "fulfil_photos": [],
        **fields,
    }
    if status == "open":
        values.update(opened_at=now, response_due_at=_response_due(now, grid))
    wish_id = db.session.execute(_INSERT_WISH, values).scalar_one()
    number = f"{clock.to_shanghai(now):%Y%m%d}{wish_id:06d}"
    db.session.execute(_NUMBER_WISH, {"wish_id": wish_id, "number": number})
    wish = _as_loaded(Wish(id=wish_id, number=number, **values))
    attach_photos(owner, wish, fields.get("photos"))
    _record(wish, owner, "post", None, status)
    return wish


def review(wish: Wish, user: User, *, decision: str, reason: str | None = None) -> Wish:
    action = _STAFF["approve" if decision == "approve" else "reject"]
    _require(action.who(user, wish), "只有该网格的网格员可以审核")
    if decision == "approve":
        return _transition(wish, user, "approve", action.states, "open", **_first_opening(wish, clock.now()))
    if not reason:
        raise Unprocessable("驳回时请填写原因", details={"reason": ["驳回时必填"]})
    return _transition(wish, user, "reject", action.states, "rejected", note=reason)


def cancel(wish: Wish, user: User, *, reason: str | None = None) -> Wish:
    _require(permissions.is_owner(user, wish), "只有发布人可以撤销心愿")
    return _transition(wish, user, "cancel", {"pending_review", "open"}, "cancelled", note=reason)


def claim(wish: Wish, user: User) -> Wish:
    if user.id == wish.owner_id:
        raise Forbidden("不能认领自己发布的心愿", code="own_wish")
    _require(permissions.can_claim(user, wish), "只有已认证的党员可以认领心愿", code="not_verified_party_member")
    decide_as(user)  # PostgreSQL: one claim of theirs at a time, for the count below
    claimed = _claim_for(wish, user, claimer=user, action="claim")
    _limit_claims_held(user, claimed)
    return claimed


def _limit_claims_held(member: User, claimed: Wish) -> None:
    """A member holds at most CLAIMS_HELD_MAX claims at once, so one person cannot sit on a
    grid's wishes; assignment by a grid worker is their judgement and is not limited.

    Counted after the claim's UPDATE, which the request rolls back when it is one too many:
    by then SQLite's single writer lock is held, and PostgreSQL's member row lock taken before
    it, so two claims at once cannot both take the last place."""
    cap = current_app.config["CLAIMS_HELD_MAX"]
    held = db.session.execute(
        select(func.count()).where(Wish.claimer_id == member.id, Wish.status == "claimed")
    ).scalar()
    if held > cap:
        raise TooManyRequests(
            f"您已认领 {cap} 个未完成的心愿，请先完成后再认领",
            code="too_many_claims",
            retry_after=(_first_place_freed(member, claimed) - clock.now()).total_seconds(),
            details={"held": cap, "max": cap},
        )


def _first_place_freed(member: User, refused: Wish) -> datetime:
    """About when a place of ``member``'s frees itself: the earliest release by the timeout job
    among the claims they hold (the ``refused`` one aside), each after its own community's
    window, counted from when it entered ``claimed`` as the job counts."""
    held = db.session.execute(
        select(Wish.status_since, Wish.area_path).where(
            Wish.claimer_id == member.id, Wish.status == "claimed", Wish.id != refused.id
        )
    )
    return min(since + clock.seconds(windows_for(path).claim_timeout_seconds) for since, path in held)


def assign(wish: Wish, user: User, *, party_member_id: int) -> Wish:
    _require(_STAFF["assign"].who(user, wish), "只有该网格的网格员可以指派")
    member = db.session.get(User, party_member_id)
    if member is None or not member.is_verified_party_member:
        raise Unprocessable("该用户不是已认证的党员", details={"party_member_id": ["不是已认证的党员"]})
    if member.id == wish.owner_id:
        raise Unprocessable("不能指派给心愿发布人", details={"party_member_id": ["不能指派给发布人"]})
    return _claim_for(wish, user, claimer=member, action="assign", from_states=_STAFF["assign"].states)


def release(wish: Wish, user: User, *, reason: str | None = None) -> Wish:
    _require(_STAFF["release"].who(user, wish), "只有认领人或网格员可以释放心愿")
    return _transition(wish, user, "release", _STAFF["release"].states, "open", note=reason, **BACK_IN_POOL)


def fulfil(wish: Wish, user: User, *, note: str, photos: list | None = None) -> Wish:
    _require(permissions.is_claimer(user, wish), "只有认领人可以提交完成")
    _ensure_state(wish, {"claimed"})
    moderation.check(user, moderation.SCENE_COMMENT, note=note)
    attach_photos(user, wish, photos)
    return _transition(
        wish,
        user,
        "fulfil",
        {"claimed"},
        "fulfilled",
        note=note,
        fulfil_note=note,
        fulfil_photos=photos or [],
        fulfilled_at=clock.now(),
    )


def confirm(wish: Wish, user: User | None, *, stars: int | None = None, comment: str | None = None) -> Wish:
    """The owner confirms with stars; ``user=None`` is the confirm-window job (no stars)."""
    if user is not None:
        _require(permissions.is_owner(user, wish), "只有发布人可以确认完成")
        _ensure_state(wish, {"fulfilled"})
        moderation.check(user, moderation.SCENE_COMMENT, comment=comment)
    _transition(
        wish,
        user,
        "confirm",
        {"fulfilled"},
        "confirmed",
        note=comment,
        stars=stars,
        rating_comment=comment,
        confirmed_at=clock.now(),
    )
    _award_completion(wish)
    return wish


def dispute(wish: Wish, user: User, *, reason: str) -> Wish:
    _require(permissions.is_owner(user, wish), "只有发布人可以提出异议")
    _ensure_state(wish, {"fulfilled"})
    moderation.check(user, moderation.SCENE_COMMENT, reason=reason)
    return _transition(wish, user, "dispute", {"fulfilled"}, "disputed", note=reason, dispute_reason=reason)


def resolve(wish: Wish, user: User, *, outcome: str, note: str | None = None) -> Wish:
    """A grid worker settles a dispute: the help counts (confirmed) or the wish reopens."""
    action = _STAFF["resolve"]
    _require(action.who(user, wish), "只有该网格的网格员可以处理异议")
    if outcome == "confirmed":
        _transition(wish, user, "resolve", action.states, "confirmed", note=note, confirmed_at=clock.now())
        _award_completion(wish)
        return wish
    return _transition(wish, user, "resolve", action.states, "open", note=note, **BACK_IN_POOL)


def close(wish: Wish, user: User, *, resolution: str, note: str | None = None) -> Wish:
    """Final. ``completed`` only for a confirmed wish; the other resolutions for the rest."""
    _require(_STAFF["close"].who(user, wish), "只有该网格的网格员可以关闭心愿")
    allowed = CLOSE_RESOLUTIONS.get(wish.status)
    if allowed is not None and resolution not in allowed:
        raise InvalidState(wish.status, "该状态下不能以此结果关闭", allowed_resolutions=sorted(allowed))
    from_states = {status for status, resolutions in CLOSE_RESOLUTIONS.items() if resolution in resolutions}
    return _transition(
        wish, user, "close", from_states, "closed", note=note, resolution=resolution, closed_at=clock.now()
    )


def return_to_review(wish: Wish, *, note: str) -> Wish:
    """The system takes an open wish out of the pool for a person to look at again (a photo
    failed WeChat's image check). Only from ``open``; approval puts it back in the pool. Its
    first opening stays: the response rate counts a wish from when it first reached the pool."""
    return _transition(wish, None, "return_to_review", {"open"}, "pending_review", note=note)


# -- the scheduled sweeps' transitions (server/wishes/tasks.py) ------------------------------
# Each takes wishes a sweep has selected as due and locked in this transaction (so they are
# still due), moves all of them with one conditional UPDATE like a single transition, and
# writes each one's event, notifications and points.


def release_overdue(wishes: list[Wish], now: datetime) -> list[Wish]:
    """The claim-timeout job: claimed wishes back to ``open``, −2 points to each claimer, or
    what their balance holds when it is less (the ledger source names the claim, so a later
    claim of the same wish counts again)."""
    claims = {wish.id: (wish.claimer_id, wish.claimed_at) for wish in wishes}
    released = _move_all(wishes, "claimed", "open", now, **BACK_IN_POOL)
    penalty = current_app.config["POINTS_CLAIM_TIMEOUT_PENALTY"]
    for wish in released:
        claimer_id, claimed_at = claims[wish.id]
        _record(wish, None, "release", "claimed", "open", CLAIM_TIMEOUT_NOTE, previous_claimer_id=claimer_id)
        if claimer_id is not None:
            take_at_most(claimer_id, penalty, "claim_timeout", claim_source(wish.id, claimed_at))
    return released


def confirm_silent(wishes: list[Wish], now: datetime) -> list[Wish]:
    """The confirm-window job: fulfilled wishes the owner left silent are ``confirmed``
    without stars, so the claimer gets the base points only."""
    confirmed = _move_all(wishes, "fulfilled", "confirmed", now, confirmed_at=now)
    for wish in confirmed:
        _record(wish, None, "confirm", "fulfilled", "confirmed", AUTO_CONFIRM_NOTE)
        _award_completion(wish)
    return confirmed


def remind(wishes: list[Wish], *, action: str, note: str) -> None:
    """A reminder sweep marked these wishes: one timeline event each (its notifications tell
    whom the action's rules name); the status stays."""
    for wish in wishes:
        _record(wish, None, action, wish.status, wish.status, note)


def claim_source(wish_id: int, claimed_at: datetime) -> str:
    """The ledger source of one claim: a later claim of the same wish is a different source."""
    return f"claim:{wish_id}:{int(claimed_at.timestamp())}"


def record_media_verdict(trace_id: str, suggest: str, label: int | None = None) -> Upload | None:
    """WeChat's verdict on a photo, recorded on the upload. A hidden photo (review or risky)
    sends an open wish using it back to review; a wish already claimed or further along only
    loses the photo from view."""
    upload = uploads.record_media_verdict(trace_id, suggest, label)
    if upload is None or not upload.hidden:
        return upload
    for wish in wishes_using(upload.id):
        if wish.status != "open":
            continue
        # Claimed in the meantime (409): the photo is hidden all the same.
        with contextlib.suppress(InvalidState):
            return_to_review(wish, note=PHOTO_FAILED_NOTE)
    return upload


# -- shared steps ---------------------------------------------------------------------------


def _require(allowed: bool, message: str, code: str = "forbidden") -> None:
    if not allowed:
        raise Forbidden(message, code=code)


def _claim_for(wish: Wish, actor: User, *, claimer: User, action: str, from_states=frozenset({"open"})) -> Wish:
    now = clock.now()
    return _transition(
        wish,
        actor,
        action,
        from_states,
        "claimed",
        note=None if claimer is actor else f"指派给 {claimer.nickname or claimer.id}",
        claimer_id=claimer.id,
        claimed_at=now,
        first_claimed_at=FirstTime(now),
    )


def _ensure_state(wish: Wish, states: set) -> None:
    if wish.status not in states:
        raise InvalidState(wish.status)


def entering(status: str, now: datetime) -> dict:
    """The columns of a wish that starts a new stay in ``status`` (a transition here, or a
    sweep's in tasks.py): the sweeps' marks start afresh with it."""
    return {
        "status": status,
        "status_since": now,
        "updated_at": now,
        "review_reminded_at": None,
        "escalated_at": None,
        "reminded_at": None,
    }


def _transition(wish: Wish, actor: User | None, action: str, from_states: set, to: str, *, note=None, **values):
    """Move ``wish`` from the state this request saw to ``to``, or raise 409.

    The UPDATE names the status and claimer read earlier, so of two racing requests the
    database lets exactly one through; the loser sees rowcount 0 and the current state.
    """
    seen_status, seen_claimer = wish.status, wish.claimer_id
    _ensure_state(wish, from_states)
    moved = _update([wish], clock.now(), to, values, seen_status=seen_status, seen_claimer=seen_claimer)
    if not moved:
        db.session.refresh(wish)
        raise InvalidState(wish.status)
    removed = seen_claimer if seen_claimer is not None and wish.claimer_id != seen_claimer else None
    _record(wish, actor, action, seen_status, to, note, previous_claimer_id=removed)
    return wish


def _move_all(wishes: list[Wish], from_status: str, to: str, now: datetime, **values) -> list[Wish]:
    """The set-based twin of ``_transition`` for rows a sweep has locked: those of ``wishes``
    still in ``from_status`` move, in id order."""
    if not wishes:
        return []
    return sorted(_update(wishes, now, to, values, seen_status=from_status), key=lambda wish: wish.id)


@dataclass(frozen=True)
class FirstTime:
    """A value a wish's column takes only if it has none yet (a first opening, a first claim)."""

    value: object


_ANY_CLAIMER = object()


def _update(wishes: list[Wish], now: datetime, to: str, values: dict, *, seen_status, seen_claimer=_ANY_CLAIMER):
    """The one UPDATE every state change of a wish goes through: those of ``wishes`` still in
    ``seen_status`` (and with ``seen_claimer``, when given) move. The columns set are copied
    onto the wishes; RETURNING gives what a FirstTime column holds now, in the same round trip."""
    changes = {**entering(to, now), **values}
    first_times = tuple(name for name, value in changes.items() if isinstance(value, FirstTime))
    claimer = "any" if seen_claimer is _ANY_CLAIMER else "none" if seen_claimer is None else "seen"
    params = {name: value for name, value in changes.items() if name not in first_times}
    params.update({f"first_{name}": changes[name].value for name in first_times}, seen_status=seen_status)
    if claimer == "seen":
        params["seen_claimer"] = seen_claimer
    params["wish_ids"] = [wish.id for wish in wishes]
    db.session.flush()  # what the ORM's UPDATE did first: a change made earlier goes before this one
    by_id = {wish.id: wish for wish in wishes}
    moved = []
    for wish_id, *kept in db.session.execute(_update_statement(claimer, first_times), params):
        wish = by_id[wish_id]
        # The columns set, with what each FirstTime column holds now in place of its FirstTime.
        for name, value in {**changes, **dict(zip(first_times, kept, strict=True))}.items():
            set_committed_value(wish, name, value)
        if "claimer_id" in changes:
            db.session.expire(wish, ["claimer"])  # the person of the old claimer_id, if it was loaded
        moved.append(wish)
    return moved


@functools.cache
def _update_statement(claimer: str, first_times: tuple[str, ...]):
    """``_update``'s statement for one shape, built once: building and caching a statement
    anew costs more than running it. The columns set plainly come from the parameters' names
    (SQLAlchemy compiles a statement once per set of names)."""
    columns = _WISHES.c
    where = [columns.id.in_(bindparam("wish_ids", expanding=True)), columns.status == bindparam("seen_status")]
    if claimer == "none":
        where.append(columns.claimer_id.is_(None))
    elif claimer == "seen":
        where.append(columns.claimer_id == bindparam("seen_claimer"))
    first = {
        name: func.coalesce(columns[name], bindparam(f"first_{name}", type_=columns[name].type)) for name in first_times
    }
    statement = update(_WISHES).where(*where).returning(columns.id, *(columns[name] for name in first_times))
    return statement.values(first) if first else statement


def _record(
    wish: Wish, actor: User | None, action: str, from_status, to_status, note=None, *, previous_claimer_id=None
) -> None:
    """The timeline event of a state change, and the notifications it causes: one INSERT for
    the event, then notify's for the inbox and outbox rows. Rows, not ORM objects: the answer
    reads the timeline afresh."""
    values = {
        "wish_id": wish.id,
        "actor_id": actor.id if actor else None,
        "previous_claimer_id": previous_claimer_id,
        "action": action,
        "from_status": from_status,
        "to_status": to_status,
        "note": note,
        "created_at": clock.now(),
    }
    event_id = db.session.execute(_INSERT_EVENT, values).scalar_one()
    notify_wish_event(wish, Event(id=event_id, **values))


def _as_loaded(wish: Wish) -> Wish:
    """``wish``, every column given, as the session would hold it had it read the row: the
    ORM's INSERT (a unit-of-work flush) costs twice the Core statements that wrote it."""
    make_transient_to_detached(wish)
    db.session.add(wish)
    return wish


def _first_opening(wish: Wish, now) -> dict:
    """The columns of a wish entering the pool: the first entry and its response deadline
    stay when it comes back (after a return to review), so the response rate counts one."""
    return {
        "opened_at": FirstTime(now),
        "response_due_at": FirstTime(_response_due(now, wish.area_path)),
    }


def _response_due(now, area):
    """When an open wish escalates: its community's window (``area``: its grid or its path)."""
    return now + clock.seconds(windows_for(area).unclaimed_escalation_seconds)


def _award_completion(wish: Wish) -> None:
    """The claimer's points for a confirmed wish, each entry at most once (the ledger's key).
    Past POINTS_SAME_PAIR_MONTHLY_CAP confirmations between this resident and this member in
    the month, the entries are still written, with 0 points: the record stays true and two
    friends cannot farm the rankings."""
    config = current_app.config
    deltas = {"wish_confirmed": config["POINTS_WISH_CONFIRMED"]}
    if wish.stars == 5:
        deltas["five_star_bonus"] = config["POINTS_FIVE_STAR_BONUS"]
    if _other_confirmations_of_pair_this_month(wish) >= config["POINTS_SAME_PAIR_MONTHLY_CAP"]:
        deltas = dict.fromkeys(deltas, 0)
    award_all(wish.claimer_id, f"wish:{wish.id}", deltas)


_PAIR_CONFIRMATIONS = select(func.count()).where(
    _WISHES.c.owner_id == bindparam("owner_id"),
    _WISHES.c.claimer_id == bindparam("claimer_id"),
    _WISHES.c.confirmed_at >= bindparam("since"),
    _WISHES.c.id != bindparam("wish_id"),
)


def _other_confirmations_of_pair_this_month(wish: Wish) -> int:
    """The pair's other wishes confirmed in the Shanghai month of this confirmation.

    The claimer's row is locked first (PostgreSQL; SQLite has one writer anyway), so two
    confirmations for one member at once are counted one after the other: the second sees the
    first, committed, instead of both seeing neither and both earning past the cap."""
    confirmed_on = clock.to_shanghai(wish.confirmed_at or clock.now()).date()
    since = clock.shanghai_day_start(confirmed_on.replace(day=1))
    decide_one_at_a_time(wish.claimer_id)
    parameters = {"owner_id": wish.owner_id, "claimer_id": wish.claimer_id, "since": since, "wish_id": wish.id}
    return db.session.execute(_PAIR_CONFIRMATIONS, parameters).scalar()
