"""The outbox sender against the fake WeChat: credits, WeChat's refusals, retries with backoff,
the attempt cap, keyword limits, concurrent senders and a crash between send and record."""

import os
import re
import socket
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from flask import Config
from sqlalchemy import func, select

from server.accounts.models import User
from server.core import clock
from server.core.extensions import db
from server.notification_kinds import KINDS, VALUE_SOURCES
from server.notifications import sender
from server.notifications.models import Notification, OutboxMessage, SubscribeCredit
from server.notifications.templates import fit_value
from server.settings import ConfigError, load_settings
from server.wechat import client
from tests.conftest import act, post_wish

PROGRESS = "dev-tpl-wish-progress"
SEND_PATH = "/cgi-bin/message/subscribe/send"


@pytest.fixture
def moving_clock(monkeypatch):
    """``advance(seconds)`` moves every clock.now() forward."""
    offset = [timedelta(0)]
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + offset[0])

    def advance(seconds: float) -> None:
        offset[0] += timedelta(seconds=seconds)

    return advance


def send(app, **options) -> dict:
    with app.app_context():
        return sender.send_due(**options)


def subscribe(api, *template_ids):
    status, body = api.post("/api/v1/me/subscriptions", {"template_ids": list(template_ids)})
    assert status == 200, body


def approved_wish(world, **overrides) -> dict:
    """The resident's wish, approved: a progress message queued for the resident (and, from
    the post, a to-do for the grid worker, who has no credit)."""
    wish = post_wish(world.resident, **overrides)
    act(world.worker, wish["id"], "review", {"decision": "approve"})
    return wish


def outbox_rows(app, user_id=None) -> list[OutboxMessage]:
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if user_id is not None:
            query = query.where(OutboxMessage.user_id == user_id)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def resident_row(app, world) -> OutboxMessage:
    (row,) = outbox_rows(app, world.user_id("resident"))
    return row


def credits(app, user_id, template_id=PROGRESS) -> int:
    with app.app_context():
        row = db.session.get(SubscribeCredit, (user_id, template_id))
        return row.credits if row else 0


def sent_to(fake_wechat, openid) -> list[dict]:
    return [message for message in fake_wechat.app.sent_messages if message["touser"] == openid]


# -- credits -------------------------------------------------------------------------------


def test_without_a_credit_nothing_is_sent_and_the_inbox_keeps_the_message(app, world, fake_wechat):
    approved_wish(world)

    counts = send(app)

    assert counts["no_credit"] == 2  # the resident's and the grid worker's
    assert sent_to(fake_wechat, "resident") == []
    (row,) = outbox_rows(app, world.user_id("resident"))
    assert row.status == "no_credit"
    assert world.resident.get("/api/v1/notifications")[1]["items"][0]["kind"] == "wish_approved"
    assert send(app)["claimed"] == 0  # final


def test_with_a_credit_exactly_one_message_is_sent_and_the_credit_spent(app, world, fake_wechat):
    subscribe(world.resident, PROGRESS)
    wish = approved_wish(world, title="帮忙取降压药")
    assert fake_wechat.app.sent_messages == []  # never inside the request

    counts = send(app)

    assert counts["sent"] == 1
    (message,) = sent_to(fake_wechat, "resident")
    assert message["template_id"] == PROGRESS
    assert message["page"] == f"pages/wish/detail?id={wish['id']}"
    assert message["data"]["thing2"] == {"value": "帮忙取降压药"}
    assert message["data"]["phrase3"] == {"value": "待认领"}
    assert message["miniprogram_state"] == "formal"
    assert message["lang"] == "zh_CN"
    assert credits(app, world.user_id("resident")) == 0
    (row,) = outbox_rows(app, world.user_id("resident"))
    assert (row.status, row.attempts, row.credit_spent) == ("sent", 1, True)
    assert row.sent_at is not None and row.lease_until is None
    assert send(app)["claimed"] == 0
    assert len(sent_to(fake_wechat, "resident")) == 1


def test_one_credit_pays_for_one_message_the_next_stays_in_the_inbox(app, world, fake_wechat):
    subscribe(world.resident, PROGRESS)
    wish = approved_wish(world)
    act(world.member, wish["id"], "claim")  # a second progress message for the resident

    counts = send(app)

    assert (counts["sent"], counts["no_credit"]) == (1, 2)
    assert len(sent_to(fake_wechat, "resident")) == 1
    assert credits(app, world.user_id("resident")) == 0


def test_43101_refused_by_the_user_is_final_and_spends_the_credit(app, world, fake_wechat, moving_clock):
    subscribe(world.resident, PROGRESS)
    approved_wish(world)
    fake_wechat.app.fail_next(SEND_PATH, 43101)

    counts = send(app)

    assert counts["refused"] == 1
    (row,) = outbox_rows(app, world.user_id("resident"))
    assert row.status == "refused"
    assert "43101" in row.last_error
    assert credits(app, world.user_id("resident")) == 0
    moving_clock(7200)
    assert send(app)["claimed"] == 0
    assert fake_wechat.app.calls[SEND_PATH] == 1


@pytest.mark.parametrize("errcode", [47003, 40003, 40037])
def test_a_request_wechat_refuses_is_final_logged_and_gives_the_credit_back(
    app, world, fake_wechat, moving_clock, caplog, errcode
):
    subscribe(world.resident, PROGRESS)
    approved_wish(world)
    fake_wechat.app.fail_next(SEND_PATH, errcode)

    counts = send(app)

    assert counts["failed"] == 1
    (row,) = outbox_rows(app, world.user_id("resident"))
    assert row.status == "failed"
    assert str(errcode) in row.last_error
    assert any(str(errcode) in record.getMessage() and record.levelname == "ERROR" for record in caplog.records)
    # WeChat refused the request itself, so the person's acceptance is still unused.
    assert credits(app, world.user_id("resident")) == 1
    moving_clock(7200)
    assert send(app)["claimed"] == 0
    assert fake_wechat.app.calls[SEND_PATH] == 1


def test_an_unknown_openid_is_refused_by_wechat_and_final(app, world, fake_wechat):
    with app.app_context():
        db.session.get(User, world.user_id("resident")).openid = "bad-resident"
        db.session.commit()
    subscribe(world.resident, PROGRESS)
    approved_wish(world)

    assert send(app)["failed"] == 1
    assert "40003" in outbox_rows(app, world.user_id("resident"))[0].last_error


# -- retries -------------------------------------------------------------------------------


def test_busy_and_quota_errors_are_retried_with_backoff_then_sent(app, world, fake_wechat, moving_clock):
    subscribe(world.resident, PROGRESS)
    approved_wish(world)
    fake_wechat.app.fail_next(SEND_PATH, -1)
    fake_wechat.app.fail_next(SEND_PATH, 45009)

    assert send(app)["retry"] == 1
    row = resident_row(app, world)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "-1" in row.last_error
    first_wait = row.next_attempt_at - row.updated_at
    assert first_wait == timedelta(seconds=app.config["OUTBOX_RETRY_BASE_SECONDS"])
    assert send(app)["claimed"] == 0  # not due yet

    moving_clock(first_wait.total_seconds() + 1)
    assert send(app)["retry"] == 1
    row = resident_row(app, world)
    assert "45009" in row.last_error
    assert row.next_attempt_at - row.updated_at == 2 * first_wait  # doubled
    moving_clock(first_wait.total_seconds() + 1)
    assert send(app)["claimed"] == 0

    moving_clock(first_wait.total_seconds())
    assert send(app)["sent"] == 1
    assert len(sent_to(fake_wechat, "resident")) == 1
    assert fake_wechat.app.calls[SEND_PATH] == 3
    row = resident_row(app, world)
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    assert credits(app, world.user_id("resident")) == 0  # one credit, whatever the retries


def test_a_broken_gateway_is_retried_with_a_second_credit_as_it_may_have_passed_the_message_on(
    app, world, fake_wechat, moving_clock
):
    subscribe(world.resident, PROGRESS)
    subscribe(world.resident, PROGRESS)
    approved_wish(world)
    fake_wechat.app.fail_next(SEND_PATH, http_status=502)

    assert send(app)["retry"] == 1
    moving_clock(app.config["OUTBOX_RETRY_BASE_SECONDS"] + 1)
    assert send(app)["sent"] == 1
    assert credits(app, world.user_id("resident")) == 0


def test_a_broken_gateway_is_not_retried_without_another_credit(app, world, fake_wechat, moving_clock):
    subscribe(world.resident, PROGRESS)
    approved_wish(world)
    fake_wechat.app.fail_next(SEND_PATH, http_status=502)

    assert send(app)["retry"] == 1
    moving_clock(app.config["OUTBOX_RETRY_BASE_SECONDS"] + 1)

    assert send(app)["no_credit"] == 1
    row = resident_row(app, world)
    assert (row.status, row.maybe_delivered) == ("no_credit", True)
    assert fake_wechat.app.calls[SEND_PATH] == 1


def test_an_answer_slower_than_the_read_timeout_is_retried_with_a_second_credit(
    app, world, fake_wechat, moving_clock, monkeypatch
):
    monkeypatch.setitem(app.config, "WECHAT_READ_TIMEOUT_SECONDS", 0.2)
    subscribe(world.resident, PROGRESS)
    subscribe(world.resident, PROGRESS)
    approved_wish(world)
    fake_wechat.app.fail_next(SEND_PATH, delay=0.6)

    assert send(app)["retry"] == 1
    assert "unreachable" in resident_row(app, world).last_error
    moving_clock(app.config["OUTBOX_RETRY_BASE_SECONDS"] + 1)
    assert send(app)["sent"] == 1

    # The slow answer was a success all along: WeChat delivered it late, so the person got
    # the message twice, once for each message they accepted. A timeout cannot tell.
    deadline = time.monotonic() + 5
    while len(sent_to(fake_wechat, "resident")) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sent_to(fake_wechat, "resident")) == 2
    assert credits(app, world.user_id("resident")) == 0


def test_after_the_last_attempt_the_row_is_marked_failed(app, world, fake_wechat, moving_clock, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    subscribe(world.resident, PROGRESS)
    approved_wish(world)
    fake_wechat.app.fail_next(SEND_PATH, 45011, times=10)

    outcomes = []
    for _ in range(5):
        counts = send(app)
        outcomes.append((counts["retry"], counts["failed"]))
        moving_clock(app.config["OUTBOX_RETRY_MAX_SECONDS"])

    assert outcomes == [(1, 0), (1, 0), (0, 1), (0, 0), (0, 0)]
    row = resident_row(app, world)
    assert (row.status, row.attempts) == ("failed", 3)
    assert "45011" in row.last_error
    assert fake_wechat.app.calls[SEND_PATH] == 3
    assert credits(app, world.user_id("resident")) == 1  # rate limited every time: never taken


def test_backoff_is_capped(app, world, fake_wechat, moving_clock, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_RETRY_BASE_SECONDS", 1000)
    monkeypatch.setitem(app.config, "OUTBOX_RETRY_MAX_SECONDS", 1500)
    subscribe(world.resident, PROGRESS)
    approved_wish(world)
    fake_wechat.app.fail_next(SEND_PATH, -1, times=2)

    send(app)
    moving_clock(1001)
    send(app)

    row = resident_row(app, world)
    assert row.next_attempt_at - row.updated_at == timedelta(seconds=1500)


# -- keyword values ------------------------------------------------------------------------


def test_a_long_title_arrives_cut_to_the_thing_limit_and_the_fake_accepts_it(app, world, fake_wechat):
    title = "请帮忙" + "很" * 37  # 40 characters
    subscribe(world.resident, PROGRESS)
    approved_wish(world, title=title)

    assert send(app)["sent"] == 1

    (message,) = sent_to(fake_wechat, "resident")
    value = message["data"]["thing2"]["value"]
    assert len(value) == 20
    assert value.startswith("请帮忙很")
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}", message["data"]["time5"]["value"])
    assert len(message["data"]["thing4"]["value"]) <= 20


def test_keyword_values_are_fitted_to_their_types():
    assert fit_value("time5", datetime(2026, 11, 25, 7, 1, tzinfo=UTC)) == "2026年11月25日 15:01"
    assert fit_value("date2", datetime(2026, 9, 30, 17, 0, tzinfo=UTC)) == "2026年10月1日"
    assert fit_value("thing1", "一" * 40) == "一" * 19 + "…"
    assert fit_value("thing1", "短\n标题") == "短 标题"
    assert fit_value("thing1", "") == "无"
    assert fit_value("phrase3", "待认领ok了吗还有") == "待认领了吗"
    assert fit_value("name4", "欧阳" * 8) == ("欧阳" * 8)[:10]
    assert fit_value("name4", "a" * 30) == "a" * 20
    assert fit_value("character_string1", "编号20260101000001" + "9" * 30) == ("20260101000001" + "9" * 30)[:32]
    assert fit_value("number2", "共12.5个") == "12.5"
    assert fit_value("letter3", "ab中c1") == "abc"
    assert fit_value("symbol6", "★★★★★★") == "★★★★★"
    assert fit_value("phone_number7", "+86 138-1234-1234 转") == "+86138-1234-1234"


# -- concurrency and crashes -----------------------------------------------------------------


def queue_messages(app, world, count: int, *, credit: int) -> list[int]:
    """``count`` outbox rows for the resident (each with its own text), and ``credit`` credits."""
    user_id = world.user_id("resident")
    with app.app_context():
        ids = []
        for n in range(count):
            notification = Notification(user_id=user_id, kind="wish_approved", title="测试", body=f"消息{n}")
            row = OutboxMessage(
                notification=notification, user_id=user_id, template_id=PROGRESS, data={"thing1": f"消息{n}"}
            )
            db.session.add(row)
            db.session.flush()
            ids.append(row.id)
        db.session.add(SubscribeCredit(user_id=user_id, template_id=PROGRESS, credits=credit))
        db.session.commit()
    return ids


@pytest.mark.commits  # threads, each on a connection of its own
def test_two_concurrent_senders_never_send_a_row_twice(app, world, fake_wechat):
    queue_messages(app, world, 120, credit=120)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            with app.app_context():
                barrier.wait()
                while True:
                    counts = sender.send_due(batch_size=7)
                    results.append(counts)
                    if counts["claimed"] == 0:
                        return
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    texts = Counter(message["data"]["thing1"]["value"] for message in fake_wechat.app.sent_messages)
    assert len(texts) == 120
    assert set(texts.values()) == {1}
    assert sum(counts["sent"] for counts in results) == 120
    assert {row.status for row in outbox_rows(app)} == {"sent"}
    assert credits(app, world.user_id("resident")) == 0


@pytest.mark.commits  # threads, each on a connection of its own
def test_credits_are_never_overspent_by_concurrent_senders(app, world, fake_wechat):
    queue_messages(app, world, 40, credit=15)

    def run():
        with app.app_context():
            while sender.send_due(batch_size=3)["claimed"]:
                pass

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(fake_wechat.app.sent_messages) == 15
    statuses = Counter(row.status for row in outbox_rows(app))
    assert statuses == {"sent": 15, "no_credit": 25}
    assert credits(app, world.user_id("resident")) == 0


def test_a_crash_between_send_and_record_sends_nothing_more_without_another_credit(
    app, world, fake_wechat, moving_clock
):
    (row_id,) = queue_messages(app, world, 1, credit=1)
    with app.app_context():
        (claimed,) = sender.claim(10)
        assert sender.deliver(claimed).status == "sent"
        # ...and the process dies here: the outcome is never recorded.
    assert len(fake_wechat.app.sent_messages) == 1

    assert send(app)["claimed"] == 0  # the lease still holds it
    moving_clock(app.config["OUTBOX_LEASE_SECONDS"] + 1)
    counts = send(app)

    assert (counts["claimed"], counts["no_credit"], counts["sent"]) == (1, 1, 0)
    assert len(fake_wechat.app.sent_messages) == 1  # sent once, for the one acceptance
    row = resident_row(app, world)
    assert (row.id, row.status, row.maybe_delivered) == (row_id, "no_credit", True)
    moving_clock(app.config["OUTBOX_LEASE_SECONDS"] + 1)
    assert send(app)["claimed"] == 0


def test_a_crash_between_send_and_record_is_sent_again_with_a_second_credit(app, world, fake_wechat, moving_clock):
    queue_messages(app, world, 1, credit=2)
    with app.app_context():
        (claimed,) = sender.claim(10)
        assert sender.deliver(claimed).status == "sent"
    moving_clock(app.config["OUTBOX_LEASE_SECONDS"] + 1)

    assert send(app)["sent"] == 1

    assert len(fake_wechat.app.sent_messages) == 2  # nothing lost; each send paid for
    row = resident_row(app, world)
    assert (row.status, row.attempts) == ("sent", 2)
    assert credits(app, world.user_id("resident")) == 0


def test_a_sender_that_lost_its_lease_cannot_overwrite_the_new_holders_outcome(app, world, fake_wechat, moving_clock):
    queue_messages(app, world, 1, credit=2)  # the new holder pays with the second
    with app.app_context():
        (slow,) = sender.claim(10)
    moving_clock(app.config["OUTBOX_LEASE_SECONDS"] + 1)
    assert send(app)["sent"] == 1

    with app.app_context():
        stale = sender.Outcome("pending", error="-1 late", retry_in=timedelta(0))
        assert sender.record(slow, stale) is False
    assert outbox_rows(app)[0].status == "sent"


def test_a_row_that_keeps_killing_its_sender_is_given_up_after_the_attempt_cap(app, world, moving_clock):
    queue_messages(app, world, 1, credit=app.config["OUTBOX_MAX_ATTEMPTS"] + 1)
    for _ in range(app.config["OUTBOX_MAX_ATTEMPTS"]):
        with app.app_context():
            assert len(sender.claim(10)) == 1  # and crashes before sending
        moving_clock(app.config["OUTBOX_LEASE_SECONDS"] + 1)

    counts = send(app)

    assert counts["gave_up"] == 1
    row = resident_row(app, world)
    assert row.status == "failed"
    assert "attempts" in row.last_error


def test_rows_whose_lease_would_run_out_are_given_back_unsent(app, world, fake_wechat, monkeypatch):
    queue_messages(app, world, 3, credit=3)
    monkeypatch.setattr(sender, "_send_margin", lambda: timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"] + 1))

    counts = send(app)

    assert counts["released"] == 3
    assert fake_wechat.app.sent_messages == []
    assert {(row.status, row.attempts, row.credit_spent) for row in outbox_rows(app)} == {("pending", 0, True)}
    monkeypatch.undo()
    assert send(app)["sent"] == 3
    assert credits(app, world.user_id("resident")) == 0


def test_a_batch_takes_the_oldest_due_rows_first(app, world, fake_wechat):
    queue_messages(app, world, 5, credit=5)

    assert send(app, batch_size=2)["sent"] == 2

    assert [m["data"]["thing1"]["value"] for m in fake_wechat.app.sent_messages] == ["消息0", "消息1"]


def test_flask_outbox_send_runs_one_pass_and_prints_the_counts(app, world, fake_wechat):
    queue_messages(app, world, 3, credit=2)

    result = app.test_cli_runner().invoke(args=["outbox", "send", "--batch-size", "10"])

    assert result.exit_code == 0, result.output
    assert "claimed=3" in result.output
    assert "sent=2" in result.output
    assert "no_credit=1" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(OutboxMessage.status == "sent")) == 2


def test_flask_outbox_send_refuses_to_run_without_a_wechat_base(app, world, fake_wechat, monkeypatch):
    queue_messages(app, world, 1, credit=1)
    monkeypatch.setitem(app.config, "WECHAT_API_BASE", "")

    result = app.test_cli_runner().invoke(args=["outbox", "send"])

    assert result.exit_code != 0
    assert "nothing was sent" in result.output
    assert resident_row(app, world).status == "pending"


# -- giving the credit back ---------------------------------------------------------------


def closed_port_url() -> str:
    """A loopback address nothing listens on: connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def give_up_after(app, monkeypatch, attempts: int) -> None:
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", attempts)


@pytest.mark.parametrize("errcode", [-1, 45009, 45011])
def test_a_message_given_up_on_busy_or_rate_limited_answers_gives_the_credit_back(
    app, world, fake_wechat, moving_clock, monkeypatch, errcode
):
    give_up_after(app, monkeypatch, 2)
    subscribe(world.resident, PROGRESS)
    wish = approved_wish(world)
    fake_wechat.app.fail_next(SEND_PATH, errcode, times=2)

    assert send(app)["retry"] == 1
    assert credits(app, world.user_id("resident")) == 0  # held for the retry
    moving_clock(app.config["OUTBOX_RETRY_BASE_SECONDS"] + 1)
    assert send(app)["failed"] == 1

    # WeChat answered each time that it did not send: the acceptance is still the person's,
    # and the next message uses it.
    assert credits(app, world.user_id("resident")) == 1
    act(world.member, wish["id"], "claim")
    assert send(app)["sent"] == 1
    assert [m["data"]["phrase3"]["value"] for m in sent_to(fake_wechat, "resident")] == ["已认领"]
    assert credits(app, world.user_id("resident")) == 0


@pytest.mark.commits  # it counts the token fetch, which the token store writes on its own connection
def test_a_message_given_up_on_a_refused_connection_gives_the_credit_back(app, world, fake_wechat, monkeypatch):
    give_up_after(app, monkeypatch, 1)
    subscribe(world.resident, PROGRESS)
    approved_wish(world)
    with app.app_context():
        client.check_text("你好", openid="resident", scene=2)  # the access token is cached: the send goes first
    monkeypatch.setitem(app.config, "WECHAT_API_BASE", closed_port_url())

    assert send(app)["failed"] == 1

    assert "unreachable" in resident_row(app, world).last_error
    assert fake_wechat.app.calls["/cgi-bin/stable_token"] == 1  # the send itself was refused
    assert credits(app, world.user_id("resident")) == 1


@pytest.mark.commits  # the token is refreshed, which the token store writes on its own connection
def test_a_message_never_sent_for_want_of_an_access_token_gives_the_credit_back(app, world, fake_wechat, monkeypatch):
    give_up_after(app, monkeypatch, 1)
    monkeypatch.setitem(app.config, "WECHAT_READ_TIMEOUT_SECONDS", 0.2)
    subscribe(world.resident, PROGRESS)
    approved_wish(world)
    fake_wechat.app.expire_token()  # the send is refused (42001) and a new token is fetched...
    fake_wechat.app.fail_next("/cgi-bin/stable_token", delay=0.6)  # ...with no answer in time

    assert send(app)["failed"] == 1

    assert fake_wechat.app.calls[SEND_PATH] == 1  # the refused one; the second never went out
    assert credits(app, world.user_id("resident")) == 1


def test_a_message_given_up_after_a_read_timeout_keeps_the_credit_spent(app, world, fake_wechat, monkeypatch):
    give_up_after(app, monkeypatch, 1)
    monkeypatch.setitem(app.config, "WECHAT_READ_TIMEOUT_SECONDS", 0.2)
    subscribe(world.resident, PROGRESS)
    approved_wish(world)
    fake_wechat.app.fail_next(SEND_PATH, delay=0.6)

    assert send(app)["failed"] == 1

    assert credits(app, world.user_id("resident")) == 0
    # Why: the slow answer was a success. WeChat spent the person's acceptance on it, and a
    # credit given back would let a second message through that nobody accepted.
    deadline = time.monotonic() + 5
    while not sent_to(fake_wechat, "resident") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sent_to(fake_wechat, "resident")) == 1


@pytest.mark.parametrize("last_errcode", [-1, 47003])
def test_a_read_timeout_on_an_earlier_attempt_keeps_its_credit_spent_and_gives_back_only_the_next(
    app, world, fake_wechat, moving_clock, monkeypatch, last_errcode
):
    give_up_after(app, monkeypatch, 2)
    monkeypatch.setitem(app.config, "WECHAT_READ_TIMEOUT_SECONDS", 0.2)
    subscribe(world.resident, PROGRESS)
    subscribe(world.resident, PROGRESS)
    approved_wish(world)
    fake_wechat.app.fail_next(SEND_PATH, delay=0.6)
    fake_wechat.app.fail_next(SEND_PATH, last_errcode)

    assert send(app)["retry"] == 1
    moving_clock(app.config["OUTBOX_RETRY_BASE_SECONDS"] + 1)
    assert send(app)["failed"] == 1

    # The first credit paid for the slow attempt, which WeChat may have delivered; the second
    # paid for one WeChat refused, so it is still the person's.
    assert credits(app, world.user_id("resident")) == 1


def test_a_message_taken_over_from_a_sender_that_died_is_not_sent_again_without_another_credit(
    app, world, fake_wechat, moving_clock
):
    queue_messages(app, world, 1, credit=1)
    with app.app_context():
        (claimed,) = sender.claim(10)
        assert sender.deliver(claimed).status == "sent"
        # ...and the process dies before recording it.
    moving_clock(app.config["OUTBOX_LEASE_SECONDS"] + 1)

    assert send(app)["no_credit"] == 1

    assert len(fake_wechat.app.sent_messages) == 1  # the dead sender's message did arrive
    assert credits(app, world.user_id("resident")) == 0


def test_a_credit_given_back_is_given_back_once(app, world, fake_wechat, monkeypatch):
    give_up_after(app, monkeypatch, 1)
    queue_messages(app, world, 1, credit=1)
    fake_wechat.app.fail_next(SEND_PATH, -1)
    with app.app_context():
        (claimed,) = sender.claim(10)
        outcome = sender.deliver(claimed)
        assert sender.record(claimed, outcome) is True
        assert sender.record(claimed, outcome) is False  # the same outcome again changes nothing

    assert credits(app, world.user_id("resident")) == 1
    assert send(app)["claimed"] == 0
    assert credits(app, world.user_id("resident")) == 1


# -- settings --------------------------------------------------------------------------------


def _settings(env_name="development", **overrides):
    config = Config(os.getcwd())
    load_settings(config, env_name, overrides)
    return config


@pytest.mark.parametrize(
    "templates",
    [
        {"no_such_kind": {"template_id": "t", "data": {"thing1": "title"}}},
        {"wish_approved": {"template_id": "t", "data": {"thing1": "no_such_source"}}},
        {"wish_approved": {"template_id": "t", "data": {"Thing": "title"}}},
        {"wish_approved": {"data": {"thing1": "title"}}},
        {"wish_approved": "t"},
    ],
)
def test_a_malformed_template_setting_is_refused_at_start(templates):
    with pytest.raises(ConfigError, match="WECHAT_SUBSCRIBE_TEMPLATES"):
        _settings(WECHAT_SUBSCRIBE_TEMPLATES=templates)


def test_every_default_template_names_a_kind_and_fits_the_fake(app):
    for kind, spec in app.config["WECHAT_SUBSCRIBE_TEMPLATES"].items():
        assert kind in KINDS
        assert set(spec["data"].values()) <= set(VALUE_SOURCES)


def test_production_refuses_the_development_template_ids():
    with pytest.raises(ConfigError, match="WECHAT_SUBSCRIBE_TEMPLATES has development template ids"):
        _settings("production")
