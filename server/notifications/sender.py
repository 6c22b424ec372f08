"""The outbox sender: claim due rows, send each subscribe message, record the outcome.

Three steps, each its own transaction, and the sending outside any:

1. ``claim`` marks a batch ``sending`` under a lease (PostgreSQL: FOR UPDATE SKIP LOCKED, so
   concurrent senders split the work; SQLite: one writer at a time, the UPDATE re-checks the
   row is still due), spends one subscribe credit for each row that has not spent one yet
   (none left: ``no_credit``, the message stays in the inbox only), and commits.
2. ``deliver`` calls WeChat. No database transaction is open meanwhile.
3. ``record`` stores the outcome, only if this sender still holds the lease.

Every send is paid for by one credit: a message reaches WeChat at most once per acceptance
the person gave. A credit is held through retries of attempts WeChat answered with a refusal
(busy, rate limited) or never received, and given back, once, when the row fails for good and
WeChat certainly never took it. An attempt that may have arrived (no answer came, or its
sender died between 2 and 3 and the lease ran out) used its credit up, as WeChat spends the
acceptance on a delivery: the row is tried again only with another credit, and without one
it ends ``no_credit`` (``maybe_delivered``; the inbox has it either way). So a crash can cost
a duplicate only where the person accepted one more message, and never an unaccepted send.
Run from a job or ``flask outbox send`` in its own app context, never inside a user's request.
"""

import logging
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, or_, select, update

from server.accounts.models import User
from server.core import clock
from server.core.extensions import db
from server.notifications.models import OutboxMessage, SubscribeCredit
from server.wechat import client
from server.wechat.errors import InvalidRequest, NoAnswer, RefusedByUser, WeChatError

log = logging.getLogger(__name__)

# HTTP exchanges one send may need at worst: token fetch, send, token refetch, send again.
EXCHANGES_PER_SEND = 4


@dataclass(frozen=True)
class Claimed:
    """A row this sender holds, with everything needed to send it (no ORM object)."""

    id: int
    user_id: int
    touser: str
    template_id: str
    page: str | None
    data: dict
    attempts: int
    lease_until: datetime
    lease_token: str


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | refused | failed | pending (to retry after retry_in)
    error: str | None = None
    retry_in: timedelta | None = None
    refund: bool = False  # final, and WeChat never took it: the acceptance is still unused
    maybe_delivered: bool = False  # this attempt got no answer: WeChat may have taken it


def send_due(batch_size: int | None = None) -> dict[str, int]:
    """One pass: claim up to ``batch_size`` due rows, send them, record each outcome.

    Returns counts: claimed, no_credit, sent, retry, failed, refused, gave_up (attempt cap
    reached while claiming), released (lease too short to start a send; back to pending).
    """
    counts: Counter = Counter()
    batch = claim(batch_size or current_app.config["OUTBOX_BATCH_SIZE"], counts)
    margin = _send_margin()
    unsent = []
    for message in batch:
        if clock.now() + margin >= message.lease_until:
            unsent.append(message)  # another sender may take it over before we finish
            continue
        outcome = deliver(message)
        if record(message, outcome):
            counts["retry" if outcome.status == "pending" else outcome.status] += 1
        else:
            counts["lost_lease"] += 1
    if unsent:
        counts["released"] += release(unsent)
    result = {key: counts[key] for key in ("claimed", "sent", "retry", "failed", "refused", "no_credit")}
    result.update((key, value) for key, value in counts.items() if key not in result and value)
    if counts["claimed"]:
        log.info("outbox pass: %s", result)
    return result


def claim(batch_size: int, counts: Counter | None = None) -> list[Claimed]:
    """Take up to ``batch_size`` due rows under a fresh lease and spend their credits; commit."""
    counts = counts if counts is not None else Counter()
    config = current_app.config
    now = clock.now()
    lease_until = now + timedelta(seconds=config["OUTBOX_LEASE_SECONDS"])
    token = secrets.token_hex(8)
    # Pending rows whose time has come, and sending rows whose lease ran out (their sender died,
    # perhaps after sending: maybe delivered): a sending row's next_attempt_at is its lease's end.
    due = (OutboxMessage.status.in_(("pending", "sending")), OutboxMessage.next_attempt_at <= now)
    pick = select(OutboxMessage.id).where(*due).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    pick = pick.limit(batch_size)
    if db.session.get_bind().dialect.name == "postgresql":
        # Lock the batch, skipping rows another sender holds: concurrent senders split the work.
        # (Not as a subquery of the UPDATE: PostgreSQL may rescan it, and a rescan skips the
        # rows the UPDATE just changed and locks more, past the LIMIT.)
        ids = db.session.scalars(pick.with_for_update(skip_locked=True)).all()
        if not ids:
            db.session.commit()
            return []
        chosen = OutboxMessage.id.in_(ids)
    else:
        # SQLite has one writer: the single UPDATE picks and re-checks under the write lock.
        chosen = OutboxMessage.id.in_(pick)
    rows = db.session.execute(
        update(OutboxMessage)
        .where(chosen, *due)
        .values(
            status="sending",
            lease_until=lease_until,
            lease_token=token,
            next_attempt_at=lease_until,
            attempts=OutboxMessage.attempts + 1,
            maybe_delivered=or_(OutboxMessage.maybe_delivered, OutboxMessage.status == "sending"),
            # A sending row here lost its sender mid-attempt: that attempt may have used the credit.
            credit_spent=case((OutboxMessage.status == "sending", False), else_=OutboxMessage.credit_spent),
            updated_at=now,
        )
        .returning(
            OutboxMessage.id,
            OutboxMessage.user_id,
            OutboxMessage.template_id,
            OutboxMessage.page,
            OutboxMessage.data,
            OutboxMessage.attempts,
            OutboxMessage.credit_spent,
        )
        .execution_options(synchronize_session=False)
    ).all()
    if not rows:
        db.session.commit()
        return []
    counts["claimed"] += len(rows)

    # A row that keeps killing its sender is given up on here, as no outcome is ever recorded.
    over = {row.id for row in rows if row.attempts > config["OUTBOX_MAX_ATTEMPTS"]}
    if over:
        _finish(sorted(over), status="failed", last_error="gave up: attempts exhausted", updated_at=now)
        counts["gave_up"] += len(over)
    rows = [row for row in rows if row.id not in over]

    spent, no_credit = [], []
    for row in sorted(rows, key=lambda row: (row.user_id, row.template_id, row.id)):  # one lock order
        if row.credit_spent or _spend_credit(row.user_id, row.template_id, now):
            spent.append(row)
        else:
            no_credit.append(row.id)
    if no_credit:
        _finish(no_credit, status="no_credit", last_error="no subscribe credit", updated_at=now)
        counts["no_credit"] += len(no_credit)
    newly_spent = [row.id for row in spent if not row.credit_spent]
    if newly_spent:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(newly_spent))
            .values(credit_spent=True)
            .execution_options(synchronize_session=False)
        )
    user_ids = {row.user_id for row in spent}
    openids = dict(db.session.execute(select(User.id, User.openid).where(User.id.in_(user_ids))).all())
    db.session.commit()
    return [
        Claimed(
            id=row.id,
            user_id=row.user_id,
            touser=openids[row.user_id],
            template_id=row.template_id,
            page=row.page,
            data=row.data,
            attempts=row.attempts,
            lease_until=lease_until,
            lease_token=token,
        )
        for row in sorted(spent, key=lambda row: row.id)
    ]


def deliver(message: Claimed) -> Outcome:
    """Send one message to WeChat and say what became of it. Touches no database transaction."""
    try:
        client.send_subscribe_message(
            touser=message.touser,
            template_id=message.template_id,
            data=message.data,
            page=message.page,
            state=current_app.config["WECHAT_MINIPROGRAM_STATE"],
        )
    except RefusedByUser as exc:
        # The person has no acceptance left on WeChat's side: our credit is spent all the same.
        return Outcome("refused", error=_describe(exc))
    except InvalidRequest as exc:
        log.error("outbox %s refused by WeChat, not retried: %s", message.id, _describe(exc))
        return Outcome("failed", error=_describe(exc), refund=True)
    except NoAnswer as exc:
        # A read timeout or a dropped answer: WeChat may have sent it and spent the person's
        # acceptance. Tried again only with another credit; this one is never given back, as
        # that would let through a second message nobody accepted.
        return _retry_or_fail(message, _describe(exc), maybe_delivered=True)
    except WeChatError as exc:  # answered busy, rate limited or token refused, or never reached
        return _retry_or_fail(message, _describe(exc))
    except Exception as exc:  # a bug must not take the batch down; the attempt cap still applies
        log.exception("outbox %s: unexpected error while sending", message.id)
        return _retry_or_fail(message, f"unexpected: {exc.__class__.__name__}", maybe_delivered=True)
    return Outcome("sent")


def record(message: Claimed, outcome: Outcome) -> bool:
    """Store the outcome if this sender still holds the row's lease; commit. True when stored."""
    now = clock.now()
    values = {
        "status": outcome.status,
        "lease_until": None,
        "lease_token": None,
        "last_error": outcome.error[:255] if outcome.error else None,
        "updated_at": now,
    }
    if outcome.status == "sent":
        values["sent_at"] = now
    if outcome.status == "pending":
        values["next_attempt_at"] = now + outcome.retry_in
    if outcome.refund:
        values["credit_spent"] = False
    if outcome.maybe_delivered:
        values["maybe_delivered"] = True
        if outcome.status == "pending":
            values["credit_spent"] = False  # the next attempt pays with a credit of its own
    # Held rows only: a final outcome ends the hold, so its credit is given back once.
    stored = _update_held(message, **values)
    if stored and outcome.refund:
        db.session.execute(
            update(SubscribeCredit)
            .where(
                SubscribeCredit.user_id == message.user_id,
                SubscribeCredit.template_id == message.template_id,
            )
            .values(credits=SubscribeCredit.credits + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    if not stored:
        log.warning("outbox %s: lease lost before the outcome %s was recorded", message.id, outcome.status)
    return stored


def release(messages: list[Claimed]) -> int:
    """Give back rows claimed but not sent: due again now, the attempt not counted."""
    now = clock.now()
    released = 0
    for message in messages:
        released += _update_held(
            message,
            status="pending",
            lease_until=None,
            lease_token=None,
            next_attempt_at=now,
            attempts=OutboxMessage.attempts - 1,
            updated_at=now,
        )
    db.session.commit()
    return released


# -- helpers --------------------------------------------------------------------------------


def _update_held(message: Claimed, **values) -> bool:
    """Change the row only while this sender still holds its lease; True when it did."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message.id,
            OutboxMessage.status == "sending",
            OutboxMessage.lease_token == message.lease_token,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _spend_credit(user_id: int, template_id: str, now: datetime) -> bool:
    """One credit, if any is left: the WHERE holds the invariant, so racing senders cannot overspend."""
    result = db.session.execute(
        update(SubscribeCredit)
        .where(
            SubscribeCredit.user_id == user_id,
            SubscribeCredit.template_id == template_id,
            SubscribeCredit.credits > 0,
        )
        .values(credits=SubscribeCredit.credits - 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _finish(ids: list[int], **values) -> None:
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(lease_until=None, lease_token=None, **values)
        .execution_options(synchronize_session=False)
    )


def _retry_or_fail(message: Claimed, error: str, *, maybe_delivered: bool = False) -> Outcome:
    """Again later, or ``failed`` after the last attempt: with the held credit given back unless
    this attempt may have reached WeChat (an earlier one that may have paid with its own)."""
    config = current_app.config
    if message.attempts >= config["OUTBOX_MAX_ATTEMPTS"]:
        log.warning("outbox %s failed after %s attempts: %s", message.id, message.attempts, error)
        return Outcome("failed", error=error, refund=not maybe_delivered, maybe_delivered=maybe_delivered)
    delay = min(config["OUTBOX_RETRY_BASE_SECONDS"] * 2 ** (message.attempts - 1), config["OUTBOX_RETRY_MAX_SECONDS"])
    return Outcome("pending", error=error, retry_in=timedelta(seconds=delay), maybe_delivered=maybe_delivered)


def _describe(exc: WeChatError) -> str:
    return f"{exc.errcode} {exc.__class__.__name__}: {exc.errmsg}"


def _send_margin() -> timedelta:
    """Time one send may take at worst; a row whose lease ends sooner is not started."""
    config = current_app.config
    per_exchange = config["WECHAT_CONNECT_TIMEOUT_SECONDS"] + config["WECHAT_READ_TIMEOUT_SECONDS"]
    return timedelta(seconds=min(EXCHANGES_PER_SEND * per_exchange, config["OUTBOX_LEASE_SECONDS"] / 2))
