"""The inbox: who hears of what, reading and paging it, the unread count, subscribe credits."""

import subprocess
import sys

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.accounts.models import User
from server.accounts.operations import grant_role
from server.core.extensions import db
from server.notifications import registry
from server.notifications.models import Notification, OutboxMessage, SubscribeCredit
from server.notifications.operations import Message, Subject, notify
from server.wishes import operations
from server.wishes.models import Wish
from server.wishes.notifications import RULES
from tests.conftest import act, post_wish

PROGRESS = "dev-tpl-wish-progress"


def inbox(api, **params):
    status, body = api.get("/api/v1/notifications", **params)
    assert status == 200, body
    return body


def kinds(api, **params) -> list[str]:
    return [item["kind"] for item in inbox(api, limit=100, **params)["items"]]


def test_resident_and_claimer_each_find_the_whole_story_of_a_wish(world):
    wish = post_wish(world.resident, title="帮忙修水龙头")
    act(world.worker, wish["id"], "review", {"decision": "approve"})
    act(world.member, wish["id"], "claim")
    act(world.member, wish["id"], "fulfil", {"note": "已修好"})
    act(world.resident, wish["id"], "confirm", {"stars": 5})
    act(world.worker, wish["id"], "close", {"resolution": "completed"})

    resident = inbox(world.resident)["items"]
    assert [item["kind"] for item in resident] == ["wish_closed", "wish_fulfilled", "wish_claimed", "wish_approved"]
    assert all(item["wish_id"] == wish["id"] and "帮忙修水龙头" in item["body"] for item in resident)
    assert "member" in resident[2]["body"]  # who claimed it
    assert "已完成" in resident[0]["body"]  # the resolution
    assert all(not item["read"] and item["read_at"] is None for item in resident)
    assert resident[0]["created_at"].endswith("+08:00")

    (confirmed,) = inbox(world.member)["items"]
    assert confirmed["kind"] == "wish_confirmed"
    assert "5星" in confirmed["body"]

    (to_review,) = inbox(world.worker)["items"]
    assert to_review["kind"] == "wish_to_review"
    assert wish["number"] in to_review["body"]


def test_a_dispute_reaches_the_claimer_and_the_grid_workers_and_its_resolution_both_sides(world, wish_in):
    wish = wish_in("fulfilled")
    act(world.resident, wish["id"], "dispute", {"reason": "药没有送到"})

    disputed = inbox(world.member)["items"][0]
    assert disputed["kind"] == "wish_disputed"
    assert "药没有送到" in disputed["body"]
    assert kinds(world.worker)[0] == "dispute_to_handle"

    act(world.worker, wish["id"], "resolve", {"outcome": "open"})

    assert kinds(world.resident)[0] == "dispute_resolved"
    member_news = inbox(world.member)["items"][0]
    assert member_news["kind"] == "dispute_resolved"  # the claimer the resolution removed
    assert "解除" in member_news["body"]


def test_an_assignment_reaches_the_party_member_and_a_release_by_the_grid_worker_reaches_both(world, wish_in):
    wish = wish_in("open")
    act(world.worker, wish["id"], "assign", {"party_member_id": world.user_id("member")})

    assert kinds(world.member) == ["wish_assigned"]
    claimed = inbox(world.resident)["items"][0]
    assert claimed["kind"] == "wish_claimed"
    assert "指派" in claimed["body"]

    act(world.worker, wish["id"], "release", {"reason": "联系不上"})

    assert kinds(world.member) == ["claim_released", "wish_assigned"]
    assert kinds(world.resident)[0] == "wish_released"


def test_nobody_is_told_of_their_own_action(world, wish_in):
    wish = wish_in("claimed")
    act(world.member, wish["id"], "release")

    assert kinds(world.member) == []
    assert kinds(world.resident)[:2] == ["wish_released", "wish_claimed"]
    assert kinds(world.worker) == ["wish_to_review"]  # the worker approved: no news of that


def test_a_grid_worker_who_posts_hears_nothing_but_the_other_grid_workers_do(app, world):
    with app.app_context():
        colleague = db.session.get(User, world.user_id("member2"))
        grant_role(colleague, "grid_worker", world.grid.id)
        db.session.commit()

    post_wish(world.worker)

    assert kinds(world.worker) == []
    assert kinds(world.member2) == ["wish_to_review"]


def test_only_grid_workers_of_the_wishs_grid_hear_of_new_wishes_and_disputes(world, wish_in):
    wish = wish_in("fulfilled")
    act(world.resident, wish["id"], "dispute", {"reason": "没有送到"})

    assert kinds(world.worker) == ["dispute_to_handle", "wish_to_review"]
    for name in ("other_worker", "community_admin", "district_admin", "neighbour", "member2"):
        assert kinds(world.clients[name]) == [], name


def test_a_rejection_tells_the_resident_why(world):
    wish = post_wish(world.resident)
    act(world.worker, wish["id"], "review", {"decision": "reject", "reason": "不属于服务范围"})

    (rejected,) = inbox(world.resident)["items"]
    assert rejected["kind"] == "wish_rejected"
    assert "不属于服务范围" in rejected["body"]


def test_a_confirmation_by_the_job_tells_the_claimer_without_stars(app, world, wish_in):
    wish = wish_in("fulfilled")
    with app.app_context():
        operations.confirm(db.session.get(Wish, wish["id"]), None)
        db.session.commit()

    news = inbox(world.member)["items"][0]
    assert news["kind"] == "wish_confirmed"
    assert "自动确认" in news["body"]
    assert "星" not in news["body"]


def test_a_refused_transition_leaves_no_notification(world, wish_in):
    wish = wish_in("claimed")
    act(world.member2, wish["id"], "claim", expect=409)

    assert kinds(world.resident) == ["wish_claimed", "wish_approved"]


def test_every_rule_names_a_known_audience_and_renders(app):
    context = {
        "number": "20260101000001",
        "title": "标题",
        "note": "原因",
        "actor": "张三",
        "claimer": "李四",
        "stars": 5,
        "resolution": "已完成",
    }
    for action, rules in RULES.items():
        for rule in rules:
            title, body = rule.render(context)
            assert title and body, action


# -- reading ----------------------------------------------------------------------------------


def test_marking_read_by_ids_touches_only_the_callers_own(world, wish_in):
    wish_in("fulfilled")
    resident_ids = [item["id"] for item in inbox(world.resident)["items"]]
    worker_id = inbox(world.worker)["items"][0]["id"]

    status, body = world.resident.post("/api/v1/notifications/read", {"ids": [resident_ids[0], worker_id]})

    assert status == 200, body
    assert body == {"marked": 1, "unread_notifications": len(resident_ids) - 1}
    items = inbox(world.resident)["items"]
    assert items[0]["read"] is True
    assert items[0]["read_at"].endswith("+08:00")
    assert [item["read"] for item in items[1:]] == [False] * (len(resident_ids) - 1)
    assert inbox(world.worker)["items"][0]["read"] is False
    # Marking again changes nothing.
    assert world.resident.post("/api/v1/notifications/read", {"ids": [resident_ids[0]]})[1]["marked"] == 0


def test_marking_all_read_and_the_unread_filter(world, wish_in):
    wish_in("fulfilled")
    first = inbox(world.resident)["items"][-1]["id"]
    world.resident.post("/api/v1/notifications/read", {"ids": [first]})

    assert len(inbox(world.resident, unread="true")["items"]) == 2
    status, body = world.resident.post("/api/v1/notifications/read", {"all": True})

    assert (status, body) == (200, {"marked": 2, "unread_notifications": 0})
    assert inbox(world.resident, unread="true")["items"] == []
    assert len(inbox(world.resident)["items"]) == 3


def test_me_counts_unread_notifications(world, wish_in):
    assert world.resident.get("/api/v1/me")[1]["unread_notifications"] == 0
    wish_in("fulfilled")

    assert world.resident.get("/api/v1/me")[1]["unread_notifications"] == 3
    world.resident.post("/api/v1/notifications/read", {"all": True})
    assert world.resident.get("/api/v1/me")[1]["unread_notifications"] == 0
    assert world.member.get("/api/v1/me")[1]["unread_notifications"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"ids": [1], "all": True},
        {"all": False},
        {"ids": []},
        {"ids": list(range(1, 102))},
        {"ids": [0]},
        {"ids": ["abc"]},
        {"all": True, "extra": 1},
    ],
)
def test_marking_read_refuses_malformed_bodies(world, body):
    status, answer = world.resident.post("/api/v1/notifications/read", body)

    assert status == 422, answer
    assert answer["error"]["code"] == "validation_error"


def test_the_inbox_pages_newest_first_without_gaps_or_repeats(world):
    for n in range(23):
        post_wish(world.resident, title=f"心愿{n}")

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        page = inbox(world.worker, **params)
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    ids = [item["id"] for item in seen]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == 23
    assert "心愿22" in seen[0]["body"]
    assert "心愿0" in seen[-1]["body"]


def test_the_inbox_refuses_unknown_parameters_and_needs_a_login(client, world):
    assert world.resident.get("/api/v1/notifications", unread="maybe")[0] == 422
    assert world.resident.get("/api/v1/notifications", kind="x")[0] == 422
    assert client.get("/api/v1/notifications").status_code == 401


# -- outbox rows and subscribe credits --------------------------------------------------------


def test_an_event_with_a_template_writes_an_outbox_row_in_the_same_transaction(app, world):
    wish = post_wish(world.resident)
    act(world.worker, wish["id"], "review", {"decision": "approve"})

    with app.app_context():
        notification = db.session.scalar(select(Notification).where(Notification.user_id == world.user_id("resident")))
        outbox = db.session.scalar(select(OutboxMessage).where(OutboxMessage.notification_id == notification.id))
        assert outbox.status == "pending"
        assert outbox.template_id == PROGRESS
        assert outbox.page == f"pages/wish/detail?id={wish['id']}"
        assert outbox.data["character_string1"] == wish["number"]
        assert outbox.data["phrase3"] == "待认领"
        assert outbox.credit_spent is False


def test_a_kind_without_a_template_stays_in_the_inbox_only(app, world, monkeypatch):
    templates = dict(app.config["WECHAT_SUBSCRIBE_TEMPLATES"])
    del templates["wish_approved"]
    monkeypatch.setitem(app.config, "WECHAT_SUBSCRIBE_TEMPLATES", templates)
    wish = post_wish(world.resident)
    act(world.worker, wish["id"], "review", {"decision": "approve"})

    assert kinds(world.resident) == ["wish_approved"]
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == world.user_id("resident")))
        assert list(rows) == []


def test_accepted_templates_become_credits(app, world):
    status, body = world.resident.post("/api/v1/me/subscriptions", {"template_ids": [PROGRESS, "dev-tpl-wish-task"]})
    assert status == 200, body
    world.resident.post("/api/v1/me/subscriptions", {"template_ids": [PROGRESS]})

    credits = {
        item["template_id"]: item["credits"] for item in world.resident.get("/api/v1/me/subscriptions")[1]["items"]
    }
    assert credits == {PROGRESS: 2, "dev-tpl-wish-task": 1, "dev-tpl-grid-todo": 0}
    progress = next(item for item in body["items"] if item["template_id"] == PROGRESS)
    assert "wish_approved" in progress["kinds"]
    with app.app_context():
        assert db.session.get(SubscribeCredit, (world.user_id("member"), PROGRESS)) is None


def test_an_acceptance_replayed_with_its_idempotency_key_counts_once(world):
    headers = {"Idempotency-Key": "accept-1"}
    for _ in range(2):
        status, _ = world.resident.post("/api/v1/me/subscriptions", {"template_ids": [PROGRESS]}, headers=headers)
        assert status == 200

    items = world.resident.get("/api/v1/me/subscriptions")[1]["items"]
    assert next(item["credits"] for item in items if item["template_id"] == PROGRESS) == 1


@pytest.mark.parametrize(
    "template_ids",
    [
        ["not-configured"],
        [PROGRESS, "not-configured"],
        [PROGRESS, "dev-tpl-wish-task", "dev-tpl-grid-todo", PROGRESS + "x"],  # more than 3
        [PROGRESS, PROGRESS],
        [],
        [""],
    ],
)
def test_acceptances_must_name_configured_templates_three_at_most(world, template_ids):
    status, body = world.resident.post("/api/v1/me/subscriptions", {"template_ids": template_ids})

    assert status == 422, body
    assert "template_ids" in body["error"]["details"]
    items = world.resident.get("/api/v1/me/subscriptions")[1]["items"]
    assert all(item["credits"] == 0 for item in items)


# -- any feature ------------------------------------------------------------------------------

registry.register("test_notice", kinds=["test_notice_posted"], value_sources=["place"])


def test_another_feature_notifies_through_the_same_inbox_and_outbox(app, world, monkeypatch):
    templates = dict(app.config["WECHAT_SUBSCRIBE_TEMPLATES"])
    templates["test_notice_posted"] = {
        "template_id": PROGRESS,
        "page": "pages/notice/detail?id={test_notice_id}&from={subject_id}",
        "data": {"thing1": "place", "thing2": "headline", "time3": "time"},
    }
    monkeypatch.setitem(app.config, "WECHAT_SUBSCRIBE_TEMPLATES", templates)
    resident, worker = world.user_id("resident"), world.user_id("worker")
    with app.app_context():
        notice = Message("test_notice_posted", [resident, worker, resident, None], "新通知", "红旗社区今晚停水。")
        notify(Subject("test_notice", 5), [notice], {"place": "红旗社区"}, event="test_notice:5", actor_id=worker)
        db.session.commit()
        outbox = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == resident))
        assert outbox.page == "pages/notice/detail?id=5&from=5"
        assert (outbox.data["thing1"], outbox.data["thing2"]) == ("红旗社区", "新通知")

        # The same event again: the database refuses a second row for the resident.
        with pytest.raises(IntegrityError):
            notify(Subject("test_notice", 5), [notice], {"place": "红旗社区"}, event="test_notice:5")
        db.session.rollback()

    (item,) = inbox(world.resident)["items"]
    assert (item["kind"], item["title"], item["wish_id"]) == ("test_notice_posted", "新通知", None)
    assert kinds(world.worker) == []  # the actor


def test_a_kind_nobody_declared_for_the_subject_is_refused(app):
    with app.app_context(), pytest.raises(ValueError, match="not declared"):
        notify(Subject("test_notice", 1), [Message("wish_claimed", [1], "标题", "正文")], {}, event="x")


def test_the_notifications_package_loads_without_the_wishes_feature():
    """Activities, announcements and party membership bring their own rules: the package they
    write through knows none of them."""
    code = (
        "import sys, server.notifications.operations, server.notifications.sender, server.notifications.queries; "
        "print(sorted({m.split('.')[1] for m in sys.modules if m.startswith('server.') and m.count('.') > 1}))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "wishes" not in loaded, loaded
