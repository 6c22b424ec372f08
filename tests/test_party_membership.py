"""Party identity: a resident applies, the grid worker of their home grid (or their unit's
secretary) decides, and an approval makes them a verified party member who may claim."""

import pytest
import requests
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from server.accounts.models import RoleGrant, User
from server.core import clock
from server.core.extensions import db
from server.notifications.models import Notification
from server.party.models import MembershipApplication
from tests.conftest import act, login, post_wish
from tests.test_claim_race import _fire_at_once

APPLY = "/api/v1/me/party-membership"
APPLICATION = {"name": "李建国", "branch": "红旗社区第一党支部", "joined_on": "2001-07-01"}


def _apply(api, expect=201, **overrides):
    status, body = api.post(APPLY, {**APPLICATION, **overrides})
    assert status == expect, body
    return body


def _review(api, application_id, expect=200, **body):
    status, answer = api.post(f"/api/v1/party-memberships/{application_id}/review", body)
    assert status == expect, answer
    return answer


@pytest.fixture
def unit(app, world, factory):
    """A unit allocated to Hongqi community, with a secretary who lives elsewhere."""
    secretary = factory.user("secretary", home_grid_id=world.other_community_grid.id)
    status, body = world.worker.post(
        "/api/v1/unit-organisations",
        {
            "community_id": world.community.id,
            "name": "耀州区人民医院党委",
            "kind": "hospital",
            "contact_name": "赵主任",
            "contact_phone": "13900001111",
            "secretary_id": secretary,
        },
    )
    assert status == 201, body
    return body


def test_applying_answers_a_pending_application_the_applicant_sees_with_its_history(world):
    application = _apply(world.resident)
    assert application["status"] == "pending"
    assert application["applicant"]["id"] == world.user_id("resident")
    assert (application["name"], application["joined_on"], application["reviewer"]) == ("李建国", "2001-07-01", None)

    status, mine = world.resident.get(APPLY)
    assert status == 200
    assert (mine["status"], mine["verified"]) == ("pending", False)
    assert [entry["id"] for entry in mine["history"]] == [application["id"]]


def test_applying_twice_while_pending_is_409(world):
    _apply(world.resident)
    body = _apply(world.resident, expect=409)
    assert body["error"]["code"] == "application_pending"
    _, mine = world.resident.get(APPLY)
    assert len(mine["history"]) == 1


def test_after_a_rejection_a_new_application_is_allowed_and_history_keeps_both(world):
    first = _apply(world.resident)
    _review(world.worker, first["id"], decision="reject", reason="支部名称有误")
    second = _apply(world.resident, branch="红旗社区第二党支部")

    _, mine = world.resident.get(APPLY)
    assert mine["status"] == "pending"
    assert [entry["id"] for entry in mine["history"]] == [second["id"], first["id"]]
    rejected = mine["history"][1]
    assert (rejected["status"], rejected["reason"], rejected["reviewer"]["nickname"]) == (
        "rejected",
        "支部名称有误",
        "worker",
    )
    assert rejected["decided_at"] is not None


def test_applying_without_a_home_grid_is_422_saying_so(app, client, factory):
    factory.user("drifter")
    body = _apply(login(client, "drifter"), expect=422)
    assert body["error"]["code"] == "no_home_grid"


def test_a_verified_member_applying_again_is_409(world):
    assert _apply(world.member, expect=409)["error"]["code"] == "already_verified"


def test_applying_naming_an_unknown_unit_is_422(world):
    body = _apply(world.resident, expect=422, work_unit_org_id=999999)
    assert "work_unit_org_id" in body["error"]["details"]


@pytest.mark.parametrize("reviewer", ["other_worker", "jiefang_admin", "resident", "member"])
def test_only_staff_of_the_home_grid_review_an_application(world, reviewer):
    application = _apply(world.resident)
    body = _review(world.clients[reviewer], application["id"], expect=403, decision="approve")
    assert body["error"]["code"] == "forbidden"
    _, mine = world.resident.get(APPLY)
    assert mine["status"] == "pending"


def test_the_applicant_cannot_review_their_own_application_even_as_staff_of_their_grid(app, client, world, factory):
    factory.user("applying_worker", home_grid_id=world.grid.id, grid_worker=world.grid.id)
    applicant = login(client, "applying_worker")
    application = _apply(applicant)
    _review(applicant, application["id"], expect=403, decision="approve")


def test_a_secretary_of_another_unit_cannot_review_but_the_named_units_can(app, client, world, factory, unit):
    other = factory.user("other_secretary", home_grid_id=world.other_community_grid.id)
    status, _ = world.jiefang_admin.post(
        "/api/v1/unit-organisations",
        {
            "community_id": _community_of(app, world.other_community_grid.id),
            "name": "耀州中学党总支",
            "kind": "school",
            "contact_name": "钱老师",
            "contact_phone": "13900002222",
            "secretary_id": other,
        },
    )
    assert status == 201
    application = _apply(world.resident, work_unit_org_id=unit["id"])

    _review(login(client, "other_secretary"), application["id"], expect=403, decision="approve")
    approved = _review(login(client, "secretary"), application["id"], decision="approve")
    assert approved["status"] == "approved"
    assert approved["work_unit_org"] == {"id": unit["id"], "name": "耀州区人民医院党委"}


def _community_of(app, grid_id):
    from server.areas.models import Area

    with app.app_context():
        return db.session.get(Area, grid_id).parent_id


@pytest.mark.parametrize("reviewer", ["worker", "community_admin", "district_admin"])
def test_staff_of_the_home_grid_or_above_may_review(world, reviewer):
    application = _apply(world.resident)
    assert _review(world.clients[reviewer], application["id"], decision="approve")["status"] == "approved"


def test_rejecting_needs_a_reason(world):
    application = _apply(world.resident)
    body = _review(world.worker, application["id"], expect=422, decision="reject")
    assert "reason" in body["error"]["details"]


@pytest.mark.parametrize("first", ["approve", "reject"])
def test_reviewing_a_decided_application_is_409(world, first):
    application = _apply(world.resident)
    _review(world.worker, application["id"], decision=first, reason="不符合条件")
    body = _review(world.community_admin, application["id"], expect=409, decision="approve")
    assert body["error"]["details"]["status"] == ("approved" if first == "approve" else "rejected")


def test_an_unknown_application_is_404(world):
    _review(world.worker, 999999, expect=404, decision="approve")


def test_approval_makes_the_applicant_a_verified_member_who_may_claim(app, world):
    wish = post_wish(world.neighbour)
    act(world.worker, wish["id"], "review", {"decision": "approve"})
    refused = act(world.resident, wish["id"], "claim", expect=403)
    assert refused["error"]["code"] == "not_verified_party_member"

    application = _apply(world.resident, branch="红旗社区党支部")
    _review(world.worker, application["id"], decision="approve")

    assert act(world.resident, wish["id"], "claim")["status"] == "claimed"
    _, mine = world.resident.get(APPLY)
    assert (mine["status"], mine["verified"]) == ("approved", True)
    with app.app_context():
        grant = db.session.scalar(select(RoleGrant).filter_by(user_id=world.user_id("resident"), role="party_member"))
        assert (grant.status, grant.branch, grant.area_id) == ("verified", "红旗社区党支部", world.grid.id)


def test_approval_verifies_the_grant_a_member_had_pending(app, world):
    application = _apply(world.pending_member)
    _review(world.worker, application["id"], decision="approve")
    with app.app_context():
        grants = db.session.scalars(select(RoleGrant).filter_by(user_id=world.user_id("pending_member"))).all()
        assert [(grant.role, grant.status) for grant in grants] == [("party_member", "verified")]


def test_the_applicant_hears_of_the_decision_and_the_grid_worker_of_the_application(app, world):
    application = _apply(world.resident)
    _review(world.worker, application["id"], decision="reject", reason="请补充入党时间")

    _, inbox = world.resident.get("/api/v1/notifications")
    decided = [item for item in inbox["items"] if item["kind"] == "party_membership_rejected"]
    assert len(decided) == 1 and "请补充入党时间" in decided[0]["body"]
    _, worker_inbox = world.worker.get("/api/v1/notifications")
    assert [item["kind"] for item in worker_inbox["items"]] == ["party_membership_to_review"]


def test_the_review_queue_shows_staff_the_applications_of_their_subtree(app, client, world, factory, unit):
    mine = _apply(world.resident)
    factory.user("elsewhere", home_grid_id=world.other_grid.id)
    theirs = _apply(login(client, "elsewhere"), work_unit_org_id=unit["id"])

    def queue(api, **params):
        status, body = api.get("/api/v1/party-memberships", **params)
        assert status == 200, body
        return [item["id"] for item in body["items"]]

    assert queue(world.worker, status="pending") == [mine["id"]]
    assert queue(world.community_admin, status="pending") == [theirs["id"], mine["id"]]
    assert queue(world.community_admin, area_id=world.other_grid.id) == [theirs["id"]]
    assert queue(login(client, "secretary")) == [theirs["id"]]
    assert queue(world.jiefang_admin) == []
    assert queue(world.community_admin, status="approved") == []


def test_the_review_queue_is_403_for_someone_who_reviews_nothing(world):
    status, body = world.resident.get("/api/v1/party-memberships")
    assert status == 403, body


def test_the_database_holds_one_pending_application_per_person(app, world):
    row = {
        "user_id": world.user_id("resident"),
        "grid_id": world.grid.id,
        "area_path": "/",
        "name": "李建国",
        "branch": "支部",
        "status": "pending",
        "created_at": clock.now(),
    }
    with app.app_context():
        table = MembershipApplication.__table__
        db.session.execute(insert(table), [{**row, "status": "rejected"}, {**row, "status": "rejected"}, row])
        with pytest.raises(IntegrityError):
            db.session.execute(insert(table), row)
        db.session.rollback()


def test_of_two_simultaneous_applications_one_is_made_and_the_other_is_409(app, world, live_server):
    headers = {"Authorization": f"Bearer {world.resident.token}"}
    calls = [
        lambda n=n: requests.post(
            f"{live_server}{APPLY}", json={**APPLICATION, "name": f"李建国{n}"}, headers=headers, timeout=30
        )
        for n in range(2)
    ]
    responses = _fire_at_once(calls)

    assert sorted(response.status_code for response in responses) == [201, 409]
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).where(MembershipApplication.user_id == world.user_id("resident"))
        )
        assert count == 1
        assert db.session.get(User, world.user_id("resident")) is not None
        notified = db.session.scalar(select(func.count()).where(Notification.kind == "party_membership_to_review"))
        assert notified == 1
