"""Unit party organisations (双报到): registered by their community's staff, the contact phone
masked for everyone else, and per-unit figures counted from the members who report from them."""

from datetime import UTC, datetime, timedelta

import pytest

from server.accounts.models import User
from server.areas.models import Area
from server.core.extensions import db
from server.points.operations import award
from tests.activities import credit
from tests.conftest import login
from tests.fixtures.api import UNIT, register_unit

UNITS = "/api/v1/unit-organisations"


def _unit_body(community_id, **overrides):
    return {"community_id": community_id, **UNIT, "agreement_on": "2026-03-01", **overrides}


def _register(api, community_id, expect=201, **overrides):
    return register_unit(api, community_id, expect, **{"agreement_on": "2026-03-01", **overrides})


def test_a_grid_worker_of_the_community_registers_a_unit_with_its_chinese_kind(world):
    unit = _register(world.worker, world.community.id)
    assert (unit["name"], unit["kind_name"], unit["community_name"]) == ("区委办党支部", "机关", "红旗社区")
    assert (unit["agreement_on"], unit["contact_phone"]) == ("2026-03-01", "13912345678")
    assert unit["figures"] == {"members": 0, "wishes_fulfilled": 0, "points": 0, "volunteer_minutes": 0}


@pytest.mark.parametrize("registrar", ["resident", "member", "jiefang_admin"])
def test_only_staff_of_the_community_register_its_units(world, registrar):
    body = _register(world.clients[registrar], world.community.id, expect=403)
    assert body["error"]["code"] == "forbidden"


def test_a_unit_is_allocated_to_a_community_not_a_grid(world):
    body = _register(world.worker, world.grid.id, expect=422)
    assert "community_id" in body["error"]["details"]


def test_the_same_unit_twice_in_one_community_is_409(world):
    _register(world.worker, world.community.id)
    assert _register(world.community_admin, world.community.id, expect=409)["error"]["code"] == "unit_exists"


def test_a_risky_unit_name_is_refused(world):
    body = _register(world.worker, world.community.id, expect=422, name="赌博公司党支部")
    assert body["error"]["code"] == "content_risky"


def test_the_contact_phone_is_masked_for_all_but_staff_of_the_units_community(world):
    unit = _register(world.worker, world.community.id)
    for name, shown in [
        ("worker", "13912345678"),
        ("other_worker", "13912345678"),
        ("district_admin", "13912345678"),
        ("resident", "139****5678"),
        ("member", "139****5678"),
        ("jiefang_admin", "139****5678"),
    ]:
        _, page = world.clients[name].get(UNITS, area_id=world.community.id)
        _, detail = world.clients[name].get(f"{UNITS}/{unit['id']}")
        assert [item["contact_phone"] for item in page["items"]] == [shown], name
        assert detail["contact_phone"] == shown, name


def test_only_staff_of_the_community_see_a_units_figures(world):
    unit = _register(world.worker, world.community.id)
    _, detail = world.resident.get(f"{UNITS}/{unit['id']}")
    assert detail["figures"] is None
    status, _ = world.resident.get(f"{UNITS}/figures")
    assert status == 403


def test_units_are_listed_per_subtree_newest_first(world, jiefang):
    first = _register(world.worker, world.community.id)
    second = _register(world.worker, world.community.id, name="耀州中学党总支", kind="school")
    jiefang = _register(world.jiefang_admin, jiefang, name="区人民医院党委", kind="hospital")

    _, hongqi = world.resident.get(UNITS, area_id=world.community.id)
    _, everywhere = world.resident.get(UNITS)
    _, schools = world.resident.get(UNITS, kind="school")
    assert [item["id"] for item in hongqi["items"]] == [second["id"], first["id"]]
    assert [item["id"] for item in everywhere["items"]] == [jiefang["id"], second["id"], first["id"]]
    assert [item["id"] for item in schools["items"]] == [second["id"]]


@pytest.fixture
def jiefang(app, world):
    """The id of the other community (解放社区)."""
    with app.app_context():
        return db.session.get(Area, world.other_community_grid.id).parent_id


def _member_of(world, api, unit_id):
    status, application = api.post(
        "/api/v1/me/party-membership", {"name": "某某", "branch": "支部", "work_unit_org_id": unit_id}
    )
    assert status == 201, application
    status, body = world.community_admin.post(
        f"/api/v1/party-memberships/{application['id']}/review", {"decision": "approve"}
    )
    assert status == 200, body


def test_the_per_unit_figures_count_the_members_their_fulfilled_wishes_points_and_hours(
    app, client, world, factory, monkeypatch
):
    hospital = _register(world.worker, world.community.id, name="区人民医院党委", kind="hospital")
    school = _register(world.worker, world.community.id, name="耀州中学党总支", kind="school")
    grid, worker, owner = world.grid.id, world.user_id("worker"), world.user_id("neighbour")
    doctors = [factory.user(f"doctor{n}", home_grid_id=grid) for n in range(2)]
    teacher = factory.user("teacher", home_grid_id=world.other_grid.id)
    for openid, unit in [("doctor0", hospital), ("doctor1", hospital), ("teacher", school)]:
        _member_of(world, login(client, openid), unit["id"])
    # Named the hospital but rejected, or still pending: not its members.
    for openid, decision in [("rejected_one", "reject"), ("pending_one", None)]:
        factory.user(openid, home_grid_id=grid)
        status, application = login(client, openid).post(
            "/api/v1/me/party-membership", {"name": "某某", "branch": "支部", "work_unit_org_id": hospital["id"]}
        )
        if decision:
            world.worker.post(
                f"/api/v1/party-memberships/{application['id']}/review", {"decision": "reject", "reason": "不符"}
            )

    # doctor0: two confirmed (5 stars: 10 + 2 each) and one closed as completed, for another
    # resident (a third for one resident in a month would earn 0: the monthly cap per pair);
    # doctor1: one still claimed; teacher: one confirmed; plus 7 points by hand to doctor1.
    factory.wishes(2, owner, "confirmed", worker_id=worker, member_id=doctors[0])
    factory.wish(world.user_id("resident"), "closed", worker_id=worker, member_id=doctors[0])
    factory.wish(owner, "claimed", worker_id=worker, member_id=doctors[1])
    factory.wish(owner, "confirmed", worker_id=worker, member_id=teacher)
    with app.app_context():
        award(doctors[1], 7, "wish_confirmed", "by-hand:1")
        db.session.commit()
    # Both doctors volunteer 90 minutes (2 points an hour: +3 each); the teacher's school none.
    last_week = datetime.now(UTC) - timedelta(days=7)
    volunteers = [login(client, "doctor0"), login(client, "doctor1")]
    credit(monkeypatch, world.worker, volunteers, last_week, hours=1.5, area_id=grid)

    status, page = world.worker.get(f"{UNITS}/figures")
    assert status == 200, page
    figures = {item["name"]: item["figures"] for item in page["items"]}
    assert figures == {
        "区人民医院党委": {"members": 2, "wishes_fulfilled": 3, "points": 3 * 12 + 7 + 2 * 3, "volunteer_minutes": 180},
        "耀州中学党总支": {"members": 1, "wishes_fulfilled": 1, "points": 12, "volunteer_minutes": 0},
    }
    _, detail = world.community_admin.get(f"{UNITS}/{hospital['id']}")
    assert detail["figures"] == figures["区人民医院党委"]
    # Each member is also counted by home grid: the grant is on the grid they live in.
    with app.app_context():
        teacher_user = db.session.get(User, teacher)
        assert [grant.area_id for grant in teacher_user.grants_of("party_member")] == [world.other_grid.id]


def test_a_wish_closed_as_completed_is_fulfilled_alike_in_a_units_figures_and_the_resolution_rate(
    client, world, factory
):
    hospital = _register(world.worker, world.community.id, name="区人民医院党委", kind="hospital")
    doctor = factory.user("doctor", home_grid_id=world.grid.id)
    _member_of(world, login(client, "doctor"), hospital["id"])
    worker, owner = world.user_id("worker"), world.user_id("neighbour")
    factory.wish(owner, "closed", worker_id=worker, member_id=doctor)  # confirmed, then closed as completed
    disputed = factory.wish(owner, "disputed", worker_id=worker, member_id=doctor)
    status, body = world.worker.post(
        f"/api/v1/wishes/{disputed}/close", {"resolution": "unresolved", "note": "无法完成"}
    )
    assert status == 200, body

    _, page = world.worker.get(f"{UNITS}/figures")
    _, stats = world.worker.get("/api/v1/stats/overview", area_id=world.community.id)

    assert [item["figures"]["wishes_fulfilled"] for item in page["items"]] == [1]
    assert stats["resolution_rate"]["numerator"] == 1
    assert stats["resolution_rate"]["denominator"] == 2


def test_the_figures_list_holds_only_the_units_of_the_callers_communities(world, jiefang):
    _register(world.worker, world.community.id)
    _register(world.jiefang_admin, jiefang, name="区人民医院党委")
    _, hongqi = world.worker.get(f"{UNITS}/figures")
    _, jiefang = world.jiefang_admin.get(f"{UNITS}/figures")
    _, district = world.district_admin.get(f"{UNITS}/figures")
    assert [item["name"] for item in hongqi["items"]] == ["区委办党支部"]
    assert [item["name"] for item in jiefang["items"]] == ["区人民医院党委"]
    assert len(district["items"]) == 2
