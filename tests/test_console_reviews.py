"""The review queue: pending wishes of the scope oldest first with their review deadline, and
the party-membership applications the person may review, each approved or rejected inline
through the same operations as the API."""

import re
from datetime import timedelta

import pytest

from server.console.filters import shanghai
from server.core.extensions import db
from server.wishes.models import Wish
from tests.conftest import post_wish
from tests.console import post_form, signed_in

QUEUE = "/console/review"
APPLICATION = {"name": "李建国", "branch": "红旗社区第一党支部", "joined_on": "2001-07-01"}


@pytest.fixture
def worker(app, world):
    return signed_in(app, world, "worker")


def apply(api) -> dict:
    status, body = api.post("/api/v1/me/party-membership", APPLICATION)
    assert status == 201, body
    return body


def test_the_queue_lists_the_pending_wishes_of_the_scope_oldest_first_with_their_review_deadline(app, world, worker):
    first = post_wish(world.resident, title="先来的")
    second = post_wish(world.neighbour, title="后来的")
    post_wish(world.resident, grid_id=world.other_grid.id, title="别的网格")

    html = worker.get(QUEUE).get_data(as_text=True)

    section = html.split('id="pending-memberships"')[0]
    assert re.findall(r'<a href="/console/wishes/\d+">(\d+)</a>', section) == [first["number"], second["number"]]
    with app.app_context():
        created = db.session.get(Wish, first["id"]).status_since
    assert shanghai(created + timedelta(seconds=app.config["REVIEW_WINDOW_SECONDS"])) in section
    assert "别的网格" not in html


def test_approving_from_the_queue_comes_back_to_the_queue_without_the_wish(world, worker):
    wish = post_wish(world.resident, title="楼道灯坏了")

    response = post_form(worker, f"/console/wishes/{wish['id']}/approve", {"back": "review"}, page=QUEUE)

    assert response.status_code == 303 and response.headers["Location"] == QUEUE
    html = worker.get(QUEUE).get_data(as_text=True)
    assert "已通过审核" in html and "楼道灯坏了" not in html
    assert world.resident.get(f"/api/v1/wishes/{wish['id']}")[1]["status"] == "open"


def test_rejecting_from_the_queue_keeps_the_reason(world, worker):
    wish = post_wish(world.resident)

    post_form(
        worker, f"/console/wishes/{wish['id']}/reject", {"back": "review", "reason": "不属于服务范围"}, page=QUEUE
    )

    answer = world.resident.get(f"/api/v1/wishes/{wish['id']}")[1]
    assert answer["status"] == "rejected" and answer["timeline"][-1]["note"] == "不属于服务范围"


def test_a_membership_application_of_the_grid_is_approved_from_the_queue(world, worker):
    application = apply(world.neighbour)
    html = worker.get(QUEUE).get_data(as_text=True)
    assert "李建国（neighbour）" in html

    response = post_form(
        worker, f"/console/review/memberships/{application['id']}", {"decision": "approve"}, page=QUEUE
    )

    assert "已通过认证申请" in worker.get(response.headers["Location"]).get_data(as_text=True)
    assert world.neighbour.get("/api/v1/me/party-membership")[1]["verified"] is True


def test_a_membership_rejected_without_a_reason_is_refused_on_the_queue(world, worker):
    application = apply(world.neighbour)

    response = post_form(worker, f"/console/review/memberships/{application['id']}", {"decision": "reject"}, page=QUEUE)

    assert "驳回时请填写原因" in worker.get(response.headers["Location"]).get_data(as_text=True)
    assert world.neighbour.get("/api/v1/me/party-membership")[1]["status"] == "pending"


def test_an_application_of_another_community_is_not_in_the_queue(app, world):
    apply(world.jiefang_admin)  # lives in Jiefang

    html = signed_in(app, world, "worker").get(QUEUE).get_data(as_text=True)

    assert "没有待审核的认证申请" in html
