"""The wish sweeps (server/wishes/tasks.py): due rows move, others do not, a run counts once."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update

from server.accounts.models import User
from server.core import clock
from server.core.extensions import db
from server.jobs.runner import run_job
from server.points.models import PointEntry
from server.store import operations as store
from server.wishes import operations, tasks
from server.wishes.models import Wish, WishEvent
from tests.conftest import act, post_wish
from tests.fixtures.database import postgresql_only
from tests.test_store import RICE, give_points


def run(app, sweep, now=None) -> int:
    """One run as the job runner does it: an app context, the sweep, one commit."""
    with app.app_context():
        touched = sweep(now or clock.now())
        db.session.commit()
        db.session.remove()
        return touched


def age(app, wish_id: int, seconds: int) -> None:
    """Move a wish's clocks back: it entered its status (and its claim) ``seconds`` earlier."""
    delta = timedelta(seconds=seconds)
    with app.app_context():
        wish = db.session.get(Wish, wish_id)
        values = {"status_since": wish.status_since - delta}
        if wish.claimed_at is not None:
            values["claimed_at"] = wish.claimed_at - delta
        db.session.execute(update(Wish).where(Wish.id == wish_id).values(**values))
        db.session.commit()


def window(app, key: str) -> int:
    return app.config[key]


def inbox(api) -> list[dict]:
    status, body = api.get("/api/v1/notifications", limit=100)
    assert status == 200, body
    return body["items"]


def ledger(app, reason: str) -> list[tuple]:
    with app.app_context():
        return [
            (entry.user_id, entry.delta, entry.source)
            for entry in db.session.scalars(select(PointEntry).where(PointEntry.reason == reason))
        ]


def events(app, wish_id: int) -> list[tuple]:
    with app.app_context():
        rows = db.session.scalars(select(WishEvent).where(WishEvent.wish_id == wish_id).order_by(WishEvent.id))
        return [(event.action, event.actor_id, event.to_status) for event in rows]


def status_of(api, wish_id: int) -> dict:
    status, body = api.get(f"/api/v1/wishes/{wish_id}")
    assert status == 200, body
    return body


# -- claim_timeout --------------------------------------------------------------------------


def test_claim_timeout_releases_due_claims_once_with_the_penalty_and_tells_both(app, world, wish_in):
    give_points(app, world.user_id("member"), 5)  # enough for the whole penalty
    due = wish_in("claimed")
    fresh = wish_in("claimed")
    age(app, due["id"], window(app, "CLAIM_TIMEOUT_SECONDS") + 1)
    age(app, fresh["id"], window(app, "CLAIM_TIMEOUT_SECONDS") - 60)

    assert run(app, tasks.claim_timeout) == 1
    assert run(app, tasks.claim_timeout) == 0

    released = status_of(world.resident, due["id"])
    assert released["status"] == "open"
    assert released["claimer"] is None
    assert status_of(world.resident, fresh["id"])["status"] == "claimed"
    assert events(app, due["id"])[-1] == ("release", None, "open")
    assert [e for e in events(app, due["id"]) if e[0] == "release"] == [("release", None, "open")]

    penalties = ledger(app, "claim_timeout")
    assert len(penalties) == 1
    user_id, delta, source = penalties[0]
    assert (user_id, delta) == (world.user_id("member"), -2)
    assert source.startswith(f"claim:{due['id']}:")

    status, points = world.member.get("/api/v1/me/points")
    assert status == 200 and points["balance"] == 3
    claimer_news = [n for n in inbox(world.member) if n["wish_id"] == due["id"]]
    assert claimer_news[0]["kind"] == "claim_released"
    assert "超过期限" in claimer_news[0]["body"] and "扣减积分" in claimer_news[0]["body"]
    assert inbox(world.resident)[0]["kind"] == "wish_released"


def test_a_claimer_reminded_first_still_hears_of_the_timeout(app, world, wish_in):
    wish = wish_in("claimed")
    age(app, wish["id"], window(app, "CLAIM_TIMEOUT_SECONDS") + 1)

    run(app, tasks.claim_reminder)  # the reminder's own event does not hide who the claimer was
    run(app, tasks.claim_timeout)

    kinds = [n["kind"] for n in inbox(world.member) if n["wish_id"] == wish["id"]]
    assert kinds == ["claim_released", "claim_reminder"]


def test_a_released_then_reclaimed_wish_times_out_again_with_a_new_penalty(app, world, wish_in):
    give_points(app, world.user_id("member"), 5)  # enough for both penalties
    wish = wish_in("claimed")
    timeout = window(app, "CLAIM_TIMEOUT_SECONDS")
    age(app, wish["id"], timeout + 1)
    assert run(app, tasks.claim_timeout) == 1

    act(world.member, wish["id"], "claim")
    assert run(app, tasks.claim_timeout) == 0  # the new claim is not due yet
    age(app, wish["id"], timeout + 100)  # another claimed_at second than the first claim
    assert run(app, tasks.claim_timeout) == 1
    assert run(app, tasks.claim_timeout) == 0

    penalties = ledger(app, "claim_timeout")
    assert len(penalties) == 2
    assert len({source for _, _, source in penalties}) == 2
    assert world.member.get("/api/v1/me/points")[1]["balance"] == 1


def test_claim_timeout_takes_no_more_than_the_balance_holds_and_records_what_it_took(app, world, wish_in):
    give_points(app, world.user_id("member"), 1)
    first, second = wish_in("claimed"), wish_in("claimed")
    for wish in (first, second):
        age(app, wish["id"], window(app, "CLAIM_TIMEOUT_SECONDS") + 1)

    assert run(app, tasks.claim_timeout) == 2

    status, points = world.member.get("/api/v1/me/points")
    assert status == 200 and points["balance"] == 0
    taken = {source.split(":")[1]: delta for _, delta, source in ledger(app, "claim_timeout")}
    assert taken == {str(first["id"]): -1, str(second["id"]): 0}  # in id order: the first took the last point


@postgresql_only("SQLite has one writer: the sweep cannot start while a redemption is open")
@pytest.mark.commits  # threads, each on a connection of its own
def test_a_claim_timeout_meeting_a_redemption_takes_only_what_the_redemption_left(app, world, wish_in):
    member = world.user_id("member")
    give_points(app, member, 10)
    status, reward = world.worker.post("/api/v1/rewards", {**RICE, "area_id": world.community.id, "price_points": 10})
    assert status == 201, reward
    wish = wish_in("claimed")
    age(app, wish["id"], window(app, "CLAIM_TIMEOUT_SECONDS") + 1)
    debited, may_commit, errors = threading.Event(), threading.Event(), []

    def redeem_everything():
        try:
            with app.app_context():
                store.redeem(db.session.get(User, member), reward["id"])
                debited.set()
                may_commit.wait(timeout=30)
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
            debited.set()

    redemption = threading.Thread(target=redeem_everything)
    redemption.start()
    assert debited.wait(timeout=30) and not errors, errors
    sweep = threading.Thread(target=run, args=(app, tasks.claim_timeout))
    sweep.start()
    while sweep.is_alive() and not _someone_waits_for_a_lock(app):
        sweep.join(timeout=0.01)  # the sweep either queues behind the redemption or is done
    may_commit.set()
    redemption.join(timeout=30)
    sweep.join(timeout=30)

    assert not errors, errors
    assert world.member.get("/api/v1/me/points")[1]["balance"] == 0
    assert [delta for _, delta, _ in ledger(app, "claim_timeout")] == [0]


def _someone_waits_for_a_lock(app) -> bool:
    with app.app_context(), db.engine.connect() as connection:
        waiting = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        return connection.execute(waiting).scalar() > 0


def _race(app, sweep, now) -> list[int]:
    """Two runs at once, each in its own thread and app context, committing."""
    barrier = threading.Barrier(2)
    results, errors = [], []

    def one():
        try:
            with app.app_context():
                barrier.wait()
                results.append(sweep(now))
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


@pytest.mark.commits  # threads, each on a connection of its own
def test_two_concurrent_claim_timeouts_release_and_penalise_each_claim_once(app, world, wish_in):
    wishes = [wish_in("claimed") for _ in range(3)]
    for wish in wishes:
        age(app, wish["id"], window(app, "CLAIM_TIMEOUT_SECONDS") + 1)

    results = _race(app, tasks.claim_timeout, clock.now())

    assert sorted(results) == [0, 3]
    assert len(ledger(app, "claim_timeout")) == 3
    for wish in wishes:
        assert [e for e in events(app, wish["id"]) if e[0] == "release"] == [("release", None, "open")]
    assert len([n for n in inbox(world.member) if n["kind"] == "claim_released"]) == 3


# -- auto_confirm ---------------------------------------------------------------------------


def test_auto_confirm_confirms_due_fulfilments_with_base_points_once(app, world, wish_in):
    due = wish_in("fulfilled")
    fresh = wish_in("fulfilled")
    age(app, due["id"], window(app, "CONFIRM_WINDOW_SECONDS") + 1)

    assert run(app, tasks.auto_confirm) == 1
    assert run(app, tasks.auto_confirm) == 0

    confirmed = status_of(world.resident, due["id"])
    assert confirmed["status"] == "confirmed"
    assert confirmed["stars"] is None
    assert status_of(world.resident, fresh["id"])["status"] == "fulfilled"
    assert events(app, due["id"])[-1] == ("confirm", None, "confirmed")
    assert ledger(app, "wish_confirmed") == [(world.user_id("member"), 10, f"wish:{due['id']}")]
    assert ledger(app, "five_star_bonus") == []
    news = inbox(world.member)[0]
    assert news["kind"] == "wish_confirmed" and "自动确认" in news["body"]


@pytest.mark.commits  # threads, each on a connection of its own
def test_two_concurrent_auto_confirms_award_each_wish_once(app, world, wish_in):
    wishes = [wish_in("fulfilled") for _ in range(3)]
    for wish in wishes:
        age(app, wish["id"], window(app, "CONFIRM_WINDOW_SECONDS") + 1)

    results = _race(app, tasks.auto_confirm, clock.now())

    assert sorted(results) == [0, 3]
    assert sorted(source for _, _, source in ledger(app, "wish_confirmed")) == sorted(
        f"wish:{wish['id']}" for wish in wishes
    )
    for wish in wishes:
        assert [e for e in events(app, wish["id"]) if e[0] == "confirm"] == [("confirm", None, "confirmed")]


def test_a_sweep_works_through_every_batch(app, world, wish_in, monkeypatch):
    monkeypatch.setattr(tasks, "BATCH_SIZE", 2)
    wishes = [wish_in("fulfilled") for _ in range(5)]
    for wish in wishes:
        age(app, wish["id"], window(app, "CONFIRM_WINDOW_SECONDS") + 1)

    assert run(app, tasks.auto_confirm) == 5
    assert run(app, tasks.auto_confirm) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Wish).where(Wish.status == "confirmed")) == 5
    assert len(ledger(app, "wish_confirmed")) == 5


def test_a_sweep_that_fails_midway_keeps_its_finished_batches_whole(app, world, wish_in, monkeypatch):
    monkeypatch.setattr(tasks, "BATCH_SIZE", 2)
    monkeypatch.setitem(app.config, "CLAIMS_HELD_MAX", 5)  # one member holds all five
    timeout = window(app, "CLAIM_TIMEOUT_SECONDS")
    give_points(app, world.user_id("member"), 12)  # enough for the five penalties
    wishes = [wish_in("claimed") for _ in range(5)]
    for oldest_first, wish in enumerate(wishes):
        age(app, wish["id"], timeout + 100 - oldest_first)
    take = operations.take_at_most
    calls = []

    def take_failing_in_the_second_batch(*args):
        calls.append(args)
        if len(calls) == 3:
            raise RuntimeError("数据库连接中断")
        return take(*args)

    monkeypatch.setattr(operations, "take_at_most", take_failing_in_the_second_batch)
    with app.app_context():
        result = run_job("claim_timeout")
    assert result.outcome.startswith("error: RuntimeError")

    finished, unfinished = wishes[:2], wishes[2:]
    for wish in finished:  # released, with its event and penalty
        assert status_of(world.resident, wish["id"])["status"] == "open"
        assert events(app, wish["id"])[-1] == ("release", None, "open")
    for wish in unfinished:  # untouched: the failed batch left nothing behind
        assert status_of(world.resident, wish["id"])["status"] == "claimed"
        assert events(app, wish["id"])[-1][0] == "claim"
    assert sorted(source.split(":")[1] for _, _, source in ledger(app, "claim_timeout")) == sorted(
        str(wish["id"]) for wish in finished
    )

    monkeypatch.setattr(operations, "take_at_most", take)
    assert run(app, tasks.claim_timeout) == 3
    assert len(ledger(app, "claim_timeout")) == 5
    assert world.member.get("/api/v1/me/points")[1]["balance"] == 2


# -- reminders ------------------------------------------------------------------------------


def test_review_overdue_tells_grid_workers_and_the_community_admin_once(app, world):
    due = post_wish(world.resident, title="审核超时的心愿")
    fresh = post_wish(world.resident, title="刚发布的心愿")
    age(app, due["id"], window(app, "REVIEW_WINDOW_SECONDS") + 1)

    assert run(app, tasks.review_overdue) == 1
    assert run(app, tasks.review_overdue) == 0

    for name in ("worker", "community_admin"):
        overdue = [n for n in inbox(world.clients[name]) if n["kind"] == "review_overdue"]
        assert [n["wish_id"] for n in overdue] == [due["id"]], name
    for name in ("other_worker", "jiefang_admin", "resident"):
        assert not [n for n in inbox(world.clients[name]) if n["kind"] == "review_overdue"], name
    assert status_of(world.resident, due["id"])["status"] == "pending_review"
    assert events(app, fresh["id"]) == [("post", world.user_id("resident"), "pending_review")]


def test_unclaimed_escalation_once_per_open_period(app, world, wish_in):
    wish = wish_in("open")
    fresh = wish_in("open")
    escalation = window(app, "UNCLAIMED_ESCALATION_SECONDS")
    age(app, wish["id"], escalation + 1)

    assert run(app, tasks.unclaimed_escalation) == 1
    assert run(app, tasks.unclaimed_escalation) == 0
    assert status_of(world.worker, wish["id"])["escalated"] is True
    assert status_of(world.worker, fresh["id"])["escalated"] is False
    _, listed = world.worker.get("/api/v1/wishes")
    assert {item["id"]: item["escalated"] for item in listed["items"]} == {wish["id"]: True, fresh["id"]: False}
    escalations = [n for n in inbox(world.worker) if n["kind"] == "wish_escalated"]
    assert [n["wish_id"] for n in escalations] == [wish["id"]]

    # Claimed and released: a new open period, escalated afresh once it is overdue again.
    act(world.member, wish["id"], "claim")
    act(world.member, wish["id"], "release")
    assert status_of(world.worker, wish["id"])["escalated"] is False
    assert run(app, tasks.unclaimed_escalation) == 0
    age(app, wish["id"], escalation + 1)
    assert run(app, tasks.unclaimed_escalation) == 1
    assert len([n for n in inbox(world.worker) if n["kind"] == "wish_escalated"]) == 2


def test_claim_reminder_once_per_claim(app, world, wish_in):
    wish = wish_in("claimed")
    fresh = wish_in("claimed")
    reminder = window(app, "CLAIM_REMINDER_SECONDS")
    age(app, wish["id"], reminder + 1)

    assert run(app, tasks.claim_reminder) == 1
    assert run(app, tasks.claim_reminder) == 0
    reminders = [n for n in inbox(world.member) if n["kind"] == "claim_reminder"]
    assert [n["wish_id"] for n in reminders] == [wish["id"]]
    assert status_of(world.member, wish["id"])["status"] == "claimed"
    assert fresh["id"] not in [n["wish_id"] for n in reminders]

    act(world.member, wish["id"], "release")
    act(world.member, wish["id"], "claim")
    assert run(app, tasks.claim_reminder) == 0
    age(app, wish["id"], reminder + 1)
    assert run(app, tasks.claim_reminder) == 1
    assert len([n for n in inbox(world.member) if n["kind"] == "claim_reminder"]) == 2


@pytest.mark.parametrize("sweep", ["review_overdue", "unclaimed_escalation", "claim_reminder", "claim_timeout"])
def test_nothing_due_touches_nothing(app, world, sweep):
    assert run(app, getattr(tasks, sweep)) == 0
