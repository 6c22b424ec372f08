"""A wish's page in the console: the buttons are exactly the actions the API accepts from this
person in this state; each action goes through the operation and comes back with a flash; the
contact is masked until a staff member in scope asks, and each look is recorded for admins."""

import re

import pytest
from sqlalchemy import select

from server.accounts.models import User
from server.core.extensions import db
from server.wishes import permissions
from server.wishes.models import CONTACT_REASONS, ContactView, Wish
from tests.conftest import act, post_wish
from tests.console import post_form, signed_in
from tests.fixtures.api import PATHS

ACTION_OF_BUTTON = {
    "通过": "approve",
    "驳回": "reject",
    "指派": "assign",
    "释放": "release",
    "处理异议": "resolve",
    "关闭": "close",
}
STAFF = ("worker", "other_worker", "community_admin")
# owner, claimer (in the statuses that have one), grid worker, worker of another grid, admin, a member
ACTORS = ("resident", "member", "worker", "other_worker", "community_admin", "member2")


def page(wish_id: int) -> str:
    return f"/console/wishes/{wish_id}"


def buttons(client, wish_id: int) -> set[str]:
    """The actions the wish page offers (none when it does not open)."""
    response = client.get(page(wish_id))
    if response.status_code == 404:
        return set()
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    section = re.search(r'<section class="actions" id="actions">(.*?)</section>', html, re.S)
    if section is None:
        return set()
    return {
        ACTION_OF_BUTTON[name]
        for name in re.findall(r'<button type="submit" class="action">([^<]+)</button>', section.group(1))
    }


def api_request(world, action: str, status: str) -> tuple[str, dict | None]:
    return {
        "approve": ("review", {"decision": "approve"}),
        "reject": ("review", {"decision": "reject", "reason": "不属于服务范围"}),
        "assign": ("assign", {"party_member_id": world.user_id("member2")}),
        "release": ("release", None),
        "resolve": ("resolve", {"outcome": "open"}),
        "close": ("close", {"resolution": "completed" if status == "confirmed" else "unresolved"}),
    }[action]


def test_the_buttons_for_every_status_and_person_are_exactly_the_actions_the_api_accepts(app, world, wish_in):
    consoles = {name: signed_in(app, world, name) for name in STAFF}
    for status in PATHS:
        wish = wish_in(status)
        for actor in ACTORS:
            with app.app_context():
                row = db.session.get(Wish, wish["id"])
                offered = permissions.allowed_actions(db.session.get(User, world.user_id(actor)), row)
            if actor in consoles:
                assert buttons(consoles[actor], wish["id"]) == offered, (status, actor)
            accepted = set()
            for action in permissions.STAFF_ACTIONS:
                path, body = api_request(world, action, status)
                code, answer = world.clients[actor].post(f"/api/v1/wishes/{wish['id']}/{path}", body)
                assert code in (200, 403, 404, 409), (status, actor, action, code, answer)
                if code == 200:
                    accepted.add(action)
                    wish = wish_in(status)  # the action moved it: the next one starts afresh
            assert accepted == offered, (status, actor)


@pytest.fixture
def worker(app, world):
    return signed_in(app, world, "worker")


def test_approving_on_the_wish_page_opens_the_wish_and_comes_back_with_a_flash(worker, wish_in):
    wish = wish_in("pending_review")

    response = post_form(worker, f"{page(wish['id'])}/approve", {}, page=page(wish["id"]))

    assert response.status_code == 303 and response.headers["Location"] == page(wish["id"])
    html = worker.get(page(wish["id"])).get_data(as_text=True)
    assert "已通过审核" in html and "待认领" in html


def test_rejecting_without_a_reason_is_refused_with_the_message_on_the_page(worker, wish_in):
    wish = wish_in("pending_review")

    response = post_form(worker, f"{page(wish['id'])}/reject", {}, page=page(wish["id"]))

    assert response.status_code == 303
    html = worker.get(response.headers["Location"]).get_data(as_text=True)
    assert "驳回时请填写原因" in html and "待审核" in html


def test_a_worker_assigns_an_open_wish_to_a_member_picked_by_nickname(world, worker, wish_in):
    wish = wish_in("open")

    options = worker.get(f"{page(wish['id'])}/members", query_string={"member_q": "member2"}).get_data(as_text=True)
    assert "member2" in options and ">member<" not in options, "only the members matching the search"
    assert "pending_member" not in worker.get(page(wish["id"])).get_data(as_text=True), "verified members only"
    response = post_form(
        worker, f"{page(wish['id'])}/assign", {"party_member_id": str(world.user_id("member2"))}, page=page(wish["id"])
    )

    html = worker.get(response.headers["Location"]).get_data(as_text=True)
    assert "已指派" in html and "已认领" in html
    assert re.search(r'id="claimer">member2<', html)


def test_an_action_the_state_no_longer_allows_is_refused_on_the_page(world, worker, wish_in):
    wish = wish_in("open")
    act(world.member, wish["id"], "claim")  # claimed while the page was open

    response = post_form(
        worker, f"{page(wish['id'])}/assign", {"party_member_id": str(world.user_id("member2"))}, page=page(wish["id"])
    )

    html = worker.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="flash flash-error"' in html and "已认领" in html


def test_closing_a_confirmed_wish_offers_completed_only_and_closes_it(worker, wish_in):
    wish = wish_in("confirmed")
    html = worker.get(page(wish["id"])).get_data(as_text=True)
    assert '<option value="completed">' in html and '<option value="unresolved">' not in html

    response = post_form(
        worker, f"{page(wish['id'])}/close", {"resolution": "completed", "note": "已回访"}, page=page(wish["id"])
    )

    html = worker.get(response.headers["Location"]).get_data(as_text=True)
    assert "工单已关闭" in html and "已关闭" in html and "已回访" in html


def test_the_contact_is_masked_until_asked_for_and_each_view_is_recorded_for_admins(app, world, worker, wish_in):
    wish = wish_in("claimed", contact_phone="13912345678", address="红旗社区7号楼1单元302")
    html = worker.get(page(wish["id"])).get_data(as_text=True)
    assert "13912345678" not in html and "139****5678" in html and "7号楼1单元302" not in html

    shown = post_form(worker, f"{page(wish['id'])}/contact", {"reason": "home_visit"}, page=page(wish["id"]))

    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert "13912345678" in text and "红旗社区7号楼1单元302" in text
    with app.app_context():
        # (The views the API answered while the wish was approved and claimed are recorded too.)
        views = db.session.scalars(select(ContactView).where(ContactView.reason.in_(CONTACT_REASONS))).all()
        assert [(v.viewer_id, v.subject_id, v.wish_id, v.reason) for v in views] == [
            (world.user_id("worker"), world.user_id("resident"), wish["id"], "home_visit")
        ]
    assert "contact-views" not in html, "a grid worker does not see the record"
    admin_page = signed_in(app, world, "community_admin").get(page(wish["id"])).get_data(as_text=True)
    assert re.search(r"worker：上门服务", admin_page)


def test_a_worker_of_another_grid_cannot_see_an_open_wishs_contact(app, world, wish_in):
    wish = wish_in("open")
    other = signed_in(app, world, "other_worker")
    html = other.get(page(wish["id"])).get_data(as_text=True)
    assert "查看联系方式" not in html

    response = post_form(other, f"{page(wish['id'])}/contact", {"reason": "verify"}, page=page(wish["id"]))

    assert "13812341234" not in other.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalars(select(ContactView).where(ContactView.viewer_id == world.user_id("other_worker"))).all()
            == []
        )


def test_the_wish_page_of_another_grid_is_not_found(app, world):
    wish = post_wish(world.resident, grid_id=world.other_grid.id)

    response = signed_in(app, world, "worker").get(page(wish["id"]))

    assert response.status_code == 404 and "未找到该心愿" in response.get_data(as_text=True)
