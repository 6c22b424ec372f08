"""Every state change of the points store: rewards made, edited, restocked and withdrawn by
staff; a redemption bought, handed over (核销) and cancelled.

The database holds the store's promises, whatever the requests racing:
- stock never below zero: a redemption takes its item with one guarded UPDATE
  (``stock > 0``) that the CHECK (stock >= 0) backs;
- a balance never below zero: the balance is read after the buyer's row is locked (PostgreSQL;
  SQLite has one writer, already held by the stock UPDATE), so two redemptions by one person
  are checked one after the other;
- the debit and the stock decrement are one transaction; a refund is a new reversing entry,
  once per redemption (the ledger's unique source), never an edit.
Functions flush; the request commits (and a refusal rolls back what they did).
"""

import secrets

from sqlalchemy import bindparam, case, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from server import moderation
from server.accounts.models import User
from server.areas.models import Area
from server.areas.queries import get_area
from server.core import clock
from server.core.errors import Conflict, Forbidden, InvalidState, NotFound, Unprocessable
from server.core.extensions import db
from server.points import queries as points
from server.points.operations import award, decide_as
from server.store import notifications, permissions, queries
from server.store.models import STORE_LEVELS, Redemption, Reward

_REWARDS = Reward.__table__
_REDEMPTIONS = Redemption.__table__

# Pick-up codes: 8 characters of 32 that cannot be misread (no 0/O, 1/I), 40 random bits, so
# guessing one online is hopeless; the redeemer shows it, the grid worker types or scans it.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8

# Body fields named apart from their columns; texts that an empty value clears (no donor: the
# community's own).
_COLUMN = {"donor": "donor_name"}
_OPTIONAL_TEXT = frozenset({"description", "donor"})

DEBIT = "store_redeem"
REFUND = "store_refund"

# Statements run on every redemption are built once: building one costs more than running it.
_TAKE_ONE = (
    update(_REWARDS)
    .where(_REWARDS.c.id == bindparam("reward_id"), _REWARDS.c.status == "active", _REWARDS.c.stock > 0)
    .values(stock=_REWARDS.c.stock - 1)
    .returning(_REWARDS.c.price_points, _REWARDS.c.area_path)
)
_PUT_BACK = update(_REWARDS).where(_REWARDS.c.id == bindparam("reward_id")).values(stock=_REWARDS.c.stock + 1)
_INSERT_REDEMPTION = insert(_REDEMPTIONS).returning(_REDEMPTIONS.c.id)
_REWARD_BY_ID = select(Reward).where(Reward.id == bindparam("reward_id"))
_REDEMPTION_BY_ID = (
    select(Redemption, Reward.title, User.nickname)
    .join(Reward, Reward.id == Redemption.reward_id)
    .join(User, User.id == Redemption.user_id)
    .where(Redemption.id == bindparam("redemption_id"))
)
_REDEMPTION_BY_CODE = (
    select(Redemption, Reward.title, User.nickname)
    .join(Reward, Reward.id == Redemption.reward_id)
    .join(User, User.id == Redemption.user_id)
    .where(Redemption.code == bindparam("code"))
    .order_by(case((Redemption.status == "pending", 0), else_=1), Redemption.id.desc())
    .limit(1)
)
# The reward and where the buyer lives, in one round trip.
_REWARD_AND_HOME = select(
    Reward, select(Area.path).where(Area.id == bindparam("home_grid_id")).scalar_subquery()
).where(Reward.id == bindparam("reward_id"))


def source(redemption_id: int) -> str:
    """The ledger source of a redemption's debit and of its refund."""
    return f"redemption:{redemption_id}"


# -- rewards (staff) ------------------------------------------------------------------------


def get_reward(reward_id: int) -> Reward:
    """Any signed-in person may see a store's rewards; 404 only for one that does not exist."""
    reward = db.session.execute(_REWARD_BY_ID, {"reward_id": reward_id}).scalar()
    if reward is None:
        raise permissions.reward_not_found(reward_id)
    return reward


def create_reward(user: User, *, area_id: int, title: str, price_points: int, stock: int, **fields) -> Reward:
    area = get_area(area_id)
    if area.level not in STORE_LEVELS:
        raise Unprocessable("积分超市设在社区或网格", details={"area_id": ["必须是社区或网格"]})
    _require_staff(user, area.path)
    _check_text(user, title=title, description=fields.get("description"), donor=fields.get("donor"))
    now = clock.now()
    reward = Reward(
        area_id=area.id,
        area_path=area.path,
        title=title,
        description=fields.get("description") or None,
        donor_name=fields.get("donor") or None,
        price_points=price_points,
        stock=stock,
        status="active",
        created_by=user.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(reward)
    db.session.flush()
    return reward


def edit_reward(reward: Reward, user: User, **changes) -> Reward:
    """Title, description, donor and price; the stock changes only by ``restock`` and sales,
    so an edit never overwrites a sale made meanwhile. Pending redemptions keep their price."""
    _require_staff(user, reward.area_path)
    _ensure_active(reward)
    texts = {name: changes[name] for name in ("title", "description", "donor") if changes.get(name)}
    _check_text(user, **texts)
    columns = {
        _COLUMN.get(name, name): None if name in _OPTIONAL_TEXT and not value else value
        for name, value in changes.items()
    }
    columns["updated_at"] = clock.now()
    return _update_reward(reward, {"active"}, columns)


def restock(reward: Reward, user: User, *, quantity: int) -> Reward:
    """Add ``quantity`` items, in the database (a sale racing it is not lost)."""
    _require_staff(user, reward.area_path)
    _ensure_active(reward)
    moved = db.session.execute(
        update(_REWARDS)
        .where(_REWARDS.c.id == reward.id, _REWARDS.c.status == "active")
        .values(stock=_REWARDS.c.stock + quantity, updated_at=clock.now())
        .returning(_REWARDS.c.id)
    ).first()
    if moved is None:
        raise InvalidState("withdrawn", "该商品已下架")
    db.session.refresh(reward)
    return reward


def withdraw(reward: Reward, user: User) -> Reward:
    """Off the shelf: no new redemptions; pending ones may still be collected or cancelled."""
    _require_staff(user, reward.area_path)
    _ensure_active(reward)
    return _update_reward(reward, {"active"}, {"status": "withdrawn", "updated_at": clock.now()})


# -- redemptions ----------------------------------------------------------------------------


def redeem(user: User, reward_id: int) -> Redemption:
    """Buy one item: the stock decrement, the balance check and the debit in one transaction.
    No stock, or too few points → 409, and nothing stays written."""
    row = db.session.execute(_REWARD_AND_HOME, {"reward_id": reward_id, "home_grid_id": user.home_grid_id}).first()
    if row is None:
        raise permissions.reward_not_found(reward_id)
    reward, home_path = row
    if not permissions.can_redeem(reward, home_path):
        raise Forbidden("只有本社区的居民可以兑换", code="not_in_community")
    _ensure_active(reward)
    # The first write: on SQLite it takes the one writer's lock, so what follows is serial.
    taken = db.session.execute(_TAKE_ONE, {"reward_id": reward.id}).first()
    if taken is None:
        db.session.refresh(reward)
        if reward.status != "active":
            raise InvalidState(reward.status, "该商品已下架")
        raise Conflict("该商品已兑完", code="out_of_stock", details={"stock": 0})
    price, area_path = taken
    decide_as(user)
    # A statement of its own after the lock: it sees every debit committed before the lock was granted.
    balance = points.balance(user.id)
    if balance < price:
        raise Conflict(
            "积分不足，无法兑换", code="insufficient_points", details={"balance": balance, "price_points": price}
        )
    now = clock.now()
    values = {
        "reward_id": reward.id,
        "user_id": user.id,
        "area_path": area_path,
        "price_points": price,
        "code": new_code(),
        "status": "pending",
        "created_at": now,
        "collected_at": None,
        "collected_by": None,
        "cancelled_at": None,
        "cancelled_by": None,
        "cancel_reason": None,
    }
    redemption_id = db.session.execute(_INSERT_REDEMPTION, values).scalar_one()
    award(user.id, -price, DEBIT, source(redemption_id))
    redemption = Redemption(id=redemption_id, **values)
    redemption.reward_title, redemption.user_nickname = reward.title, user.nickname
    return redemption


def get_redemption_to_act_on(user: User, redemption_id: int) -> Redemption:
    """The redemption an action names, with its reward's title and the redeemer's nickname;
    404 for anyone but the redeemer and the store's staff."""
    row = db.session.execute(_REDEMPTION_BY_ID, {"redemption_id": redemption_id}).first()
    if row is None or not permissions.may_see_redemption(user, row[0]):
        raise permissions.redemption_not_found(redemption_id)
    redemption, redemption.reward_title, redemption.user_nickname = row
    return redemption


def redemption_with_code(user: User, code: str) -> Redemption:
    """The redemption of a store ``user`` runs whose pick-up code was typed (the console's 核销
    form has the code alone), with its reward's title and redeemer's nickname; a pending one
    before one handed over or cancelled, so verifying it again answers why not. 404 when no
    store of theirs has it."""
    found = db.session.execute(_REDEMPTION_BY_CODE.where(queries.run_by(user)), {"code": typed_code(code)}).first()
    if found is None:
        raise NotFound("未找到该核销码对应的兑换记录", code="unknown_code", details={"code": ["核销码不存在"]})
    redemption, redemption.reward_title, redemption.user_nickname = found
    return redemption


def verify(redemption: Redemption, user: User, *, code: str) -> Redemption:
    """Staff hand the item over against the redeemer's code (核销): once; a wrong code → 422."""
    _require_staff(user, redemption.area_path, "只有该社区的工作人员可以核销")
    if user.id == redemption.user_id:
        raise Forbidden("不能核销自己的兑换", code="own_redemption")
    if redemption.status == "collected":
        raise InvalidState("collected", "该兑换已核销，不能重复核销")
    _ensure_state(redemption, {"pending"})
    if not code_matches(redemption.code, code):
        raise Unprocessable("核销码不正确", code="wrong_code", details={"code": ["核销码不正确"]})
    now = clock.now()
    _move(redemption, "collected", collected_at=now, collected_by=user.id)
    notifications.notify_collected(redemption, redemption.reward_title, user.id)
    return redemption


def cancel(redemption: Redemption, user: User, *, reason: str | None = None) -> Redemption:
    """The redeemer or staff call off an uncollected redemption: the item goes back on the
    shelf and the points come back as a reversing ledger entry."""
    if user.id != redemption.user_id and not permissions.is_store_staff(user, redemption.area_path):
        raise Forbidden("只有兑换人或该社区的工作人员可以取消")
    _ensure_state(redemption, {"pending"})
    _check_text(user, moderation.SCENE_COMMENT, reason=reason)
    _move(redemption, "cancelled", cancelled_at=clock.now(), cancelled_by=user.id, cancel_reason=reason)
    db.session.execute(_PUT_BACK, {"reward_id": redemption.reward_id})
    award(redemption.user_id, redemption.price_points, REFUND, source(redemption.id))
    notifications.notify_cancelled(redemption, redemption.reward_title, user.id)
    return redemption


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def typed_code(typed: str) -> str:
    """A code as typed from the screen: case, spaces and dashes do not matter."""
    return typed.upper().replace(" ", "").replace("-", "")


def code_matches(stored: str, typed: str) -> bool:
    return secrets.compare_digest(stored.encode(), typed_code(typed).encode())


# -- shared steps ---------------------------------------------------------------------------


def _require_staff(user: User, area_path: str, message: str = "只有该社区的网格员或管理员可以管理积分超市") -> None:
    if not permissions.is_store_staff(user, area_path):
        raise Forbidden(message)


def _check_text(user: User, scene: int = moderation.SCENE_FORUM, **texts) -> None:
    """Refuse risky text (422). A "review" verdict, or WeChat unreachable, lets the text
    through: staff write the shelf's texts and are the people who would review them, and a
    cancel reason is read only by the redeemer and the staff."""
    moderation.check(user, scene, **texts)


def _ensure_active(reward: Reward) -> None:
    if reward.status != "active":
        raise InvalidState(reward.status, "该商品已下架")


def _ensure_state(redemption: Redemption, states: set) -> None:
    if redemption.status not in states:
        raise InvalidState(redemption.status)


def _update_reward(reward: Reward, from_states: set, columns: dict) -> Reward:
    moved = db.session.execute(
        update(_REWARDS)
        .where(_REWARDS.c.id == reward.id, _REWARDS.c.status.in_(from_states))
        .values(**columns)
        .returning(_REWARDS.c.id)
    ).first()
    db.session.refresh(reward)
    if moved is None:
        raise InvalidState(reward.status, "该商品已下架")
    return reward


def _move(redemption: Redemption, to: str, **columns) -> None:
    """From the state this request saw to ``to``, or 409: of two racing requests (two
    verifies, a verify and a cancel) the database lets exactly one through."""
    seen = redemption.status
    moved = db.session.execute(
        update(_REDEMPTIONS)
        .where(_REDEMPTIONS.c.id == redemption.id, _REDEMPTIONS.c.status == seen)
        .values(status=to, **columns)
        .returning(_REDEMPTIONS.c.id)
    ).first()
    if moved is None:
        db.session.refresh(redemption)
        raise InvalidState(redemption.status)
    for name, value in {"status": to, **columns}.items():
        set_committed_value(redemption, name, value)
