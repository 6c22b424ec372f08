"""Pledges (承诺践诺): one public pledge per verified member per year, editable until the grid
worker assesses it; a kept pledge earns points once and the member hears of it."""

import pytest

from server.core import clock

TEXT = "每月至少认领两个微心愿，帮助楼栋独居老人。"
KEPT = {"outcome": "kept", "note": "全年认领心愿十余个，居民评价很好。"}


def _pledge(api, text=TEXT):
    status, body = api.post("/api/v1/pledges", {"text": text})
    assert status == 201, body
    return body


def _patch(api, path, json):
    response = api.client.patch(path, json=json, headers={"Authorization": f"Bearer {api.token}"})
    return response.status_code, response.get_json(silent=True)


def test_a_verified_member_pledges_for_this_year_in_their_home_grid(world):
    pledge = _pledge(world.member)
    assert (pledge["year"], pledge["grid_id"]) == (clock.shanghai_today().year, world.grid.id)
    assert (pledge["status"], pledge["assessor"], pledge["assessed_at"]) == ("pending", None, None)
    assert pledge["member"] == {"id": world.user_id("member"), "nickname": "member"}


@pytest.mark.parametrize("who", ["pending_member", "resident", "worker"])
def test_only_verified_party_members_pledge(world, who):
    status, body = world.clients[who].post("/api/v1/pledges", {"text": TEXT})
    assert (status, body["error"]["code"]) == (403, "not_verified_party_member")


def test_a_second_pledge_in_a_year_is_409_and_the_first_stays(world):
    first = _pledge(world.member)
    status, body = world.member.post("/api/v1/pledges", {"text": "另一个承诺"})
    assert (status, body["error"]["code"]) == (409, "already_pledged")
    assert [p["text"] for p in world.resident.get("/api/v1/pledges")[1]["items"]] == [first["text"]]


def test_a_risky_pledge_is_refused(world):
    status, body = world.member.post("/api/v1/pledges", {"text": "帮大家介绍高利贷"})
    assert (status, body["error"]["code"]) == (422, "content_risky")


def test_the_member_edits_their_pledge_until_it_is_assessed(world):
    pledge = _pledge(world.member)
    path = f"/api/v1/pledges/{pledge['id']}"
    assert _patch(world.member2, path, {"text": "改一改"})[0] == 403
    status, edited = _patch(world.member, path, {"text": "每月认领三个微心愿。"})
    assert (status, edited["text"]) == (200, "每月认领三个微心愿。")
    world.worker.post(f"{path}/assess", KEPT)
    status, body = _patch(world.member, path, {"text": "再改"})
    assert (status, body["error"]["code"], body["error"]["details"]["status"]) == (409, "invalid_state", "kept")


def test_a_kept_pledge_earns_points_once_and_the_member_is_told(app, world):
    pledge = _pledge(world.member)
    status, assessed = world.worker.post(f"/api/v1/pledges/{pledge['id']}/assess", KEPT)
    assert status == 200, assessed
    assert (assessed["status"], assessed["assessment_note"]) == ("kept", KEPT["note"])
    assert assessed["assessor"] == {"id": world.user_id("worker"), "nickname": "worker"}

    status, again = world.community_admin.post(f"/api/v1/pledges/{pledge['id']}/assess", KEPT)
    assert (status, again["error"]["code"], again["error"]["details"]) == (409, "invalid_state", {"status": "kept"})

    points = world.member.get("/api/v1/me/points")[1]
    assert points["balance"] == app.config["POINTS_PLEDGE_KEPT"]
    assert [(e["reason"], e["reason_name"], e["source"]) for e in points["items"]] == [
        ("pledge_kept", "承诺践诺", f"pledge:{pledge['id']}")
    ]
    [news] = world.member.get("/api/v1/notifications")[1]["items"]
    assert news["kind"] == "pledge_assessed" and "已践诺" in news["body"]


def test_a_pledge_not_kept_earns_nothing(world):
    pledge = _pledge(world.member)
    status, assessed = world.worker.post(
        f"/api/v1/pledges/{pledge['id']}/assess", {"outcome": "not_kept", "note": "全年未参加活动。"}
    )
    assert (status, assessed["status"]) == (200, "not_kept")
    assert world.member.get("/api/v1/me/points")[1]["balance"] == 0
    assert "未践诺" in world.member.get("/api/v1/notifications")[1]["items"][0]["body"]


@pytest.mark.parametrize("who", ["other_worker", "jiefang_admin", "member2", "resident", "member"])
def test_only_the_grid_worker_of_the_members_grid_or_an_admin_above_assesses(world, who):
    pledge = _pledge(world.member)
    status, body = world.clients[who].post(f"/api/v1/pledges/{pledge['id']}/assess", KEPT)
    assert (status, body["error"]["code"]) == (403, "forbidden")
    assert world.resident.get(f"/api/v1/pledges/{pledge['id']}")[1]["status"] == "pending"


@pytest.mark.parametrize("who", ["community_admin", "district_admin"])
def test_an_admin_above_the_grid_may_assess(world, who):
    pledge = _pledge(world.member)
    assert world.clients[who].post(f"/api/v1/pledges/{pledge['id']}/assess", KEPT)[0] == 200


def test_an_assessment_needs_an_outcome_and_a_note(world):
    pledge = _pledge(world.member)
    status, body = world.worker.post(f"/api/v1/pledges/{pledge['id']}/assess", {"outcome": "kept"})
    assert status == 422 and "note" in body["error"]["details"]


def test_residents_list_a_grids_pledges_of_a_year_with_their_assessment(world, factory, client):
    first, second = _pledge(world.member), _pledge(world.member2, "每周参加一次环境整治。")
    world.worker.post(f"/api/v1/pledges/{first['id']}/assess", KEPT)
    status, page = world.resident.get("/api/v1/pledges", limit=1)
    assert status == 200
    assert [(p["id"], p["status"]) for p in page["items"]] == [(second["id"], "pending")]
    status, rest = world.resident.get("/api/v1/pledges", limit=1, cursor=page["next_cursor"])
    assert [(p["id"], p["status"], p["assessment_note"]) for p in rest["items"]] == [
        (first["id"], "kept", KEPT["note"])
    ]
    assert rest["next_cursor"] is None
    # Another grid's list, and another year's, hold none of them.
    assert world.resident.get("/api/v1/pledges", grid_id=world.other_grid.id)[1]["items"] == []
    assert world.resident.get("/api/v1/pledges", year=clock.shanghai_today().year - 1)[1]["items"] == []
