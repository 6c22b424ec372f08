"""Practical matters (为民办实事): a community's staff list them and write progress notes;
its residents read and follow them, and each follower hears of every note."""

import pytest

from server.areas.models import Area
from server.core.extensions import db
from tests.conftest import login

MATTERS = "/api/v1/practical-matters"
MATTER = {"title": "老旧小区加装电梯", "description": "为3号楼加装电梯，方便老人上下楼。", "deadline": "2027-06-30"}


@pytest.fixture
def jiefang(app, world):
    with app.app_context():
        return db.session.get(Area, world.other_community_grid.id).parent_id


def _create(api, community_id, expect=201, **overrides):
    status, body = api.post(MATTERS, {"community_id": community_id, **MATTER, **overrides})
    assert status == expect, body
    return body


def _note(api, matter_id, body, expect=201, **extra):
    status, answer = api.post(f"{MATTERS}/{matter_id}/notes", {"body": body, **extra})
    assert status == expect, answer
    return answer


def _follow(api, matter_id, expect=200):
    status, body = api.post(f"{MATTERS}/{matter_id}/follow")
    assert status == expect, body
    return body


def _unfollow(api, matter_id):
    response = api.client.delete(f"{MATTERS}/{matter_id}/follow", headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 204, response.get_json()


def _progress_notifications(api):
    _, inbox = api.get("/api/v1/notifications")
    return [item for item in inbox["items"] if item["kind"] == "matter_progress"]


def test_staff_list_a_matter_with_an_owner_unit_and_residents_read_it(world):
    status, unit = world.worker.post(
        "/api/v1/unit-organisations",
        {
            "community_id": world.community.id,
            "name": "区住建局党支部",
            "kind": "office",
            "contact_name": "周科长",
            "contact_phone": "13900003333",
        },
    )
    assert status == 201
    matter = _create(world.worker, world.community.id, owner_unit_id=unit["id"])
    assert (matter["status"], matter["status_name"]) == ("planned", "计划中")
    assert matter["owner_unit"] == {"id": unit["id"], "name": "区住建局党支部"}

    status, page = world.resident.get(MATTERS)
    assert (status, [item["id"] for item in page["items"]]) == (200, [matter["id"]])
    status, detail = world.resident.get(f"{MATTERS}/{matter['id']}")
    assert (status, detail["following"], detail["notes"]) == (200, False, [])


@pytest.mark.parametrize("author", ["resident", "member", "jiefang_admin"])
def test_only_staff_of_the_community_list_matters(world, author):
    _create(world.clients[author], world.community.id, expect=403)


def test_residents_of_another_community_neither_list_nor_read_nor_follow_a_matter(app, client, world, factory):
    matter = _create(world.worker, world.community.id)
    factory.user("jiefang_resident", home_grid_id=world.other_community_grid.id)
    outsider = login(client, "jiefang_resident")

    _, page = outsider.get(MATTERS)
    assert page["items"] == []
    assert outsider.get(f"{MATTERS}/{matter['id']}")[0] == 404
    _follow(outsider, matter["id"], expect=404)


def test_matters_are_listed_per_community_and_status(world, jiefang):
    planned = _create(world.worker, world.community.id)
    done = _create(world.worker, world.community.id, title="修缮健身广场", status="done")
    elsewhere = _create(world.jiefang_admin, jiefang, title="解放社区路灯改造")

    _, mine = world.resident.get(MATTERS)
    _, finished = world.resident.get(MATTERS, status="done")
    _, district = world.district_admin.get(MATTERS)
    _, hongqi = world.district_admin.get(MATTERS, area_id=world.community.id)
    _, worker = world.other_worker.get(MATTERS)
    assert [item["id"] for item in mine["items"]] == [done["id"], planned["id"]]
    assert [item["id"] for item in finished["items"]] == [done["id"]]
    assert [item["id"] for item in district["items"]] == [elsewhere["id"], done["id"], planned["id"]]
    assert [item["id"] for item in hongqi["items"]] == [done["id"], planned["id"]]
    assert [item["id"] for item in worker["items"]] == [done["id"], planned["id"]]


def test_progress_notes_are_appended_with_author_and_time_and_may_move_the_status(world):
    matter = _create(world.worker, world.community.id)
    first = _note(world.worker, matter["id"], "已完成设计方案。", status="in_progress")
    second = _note(world.community_admin, matter["id"], "施工单位已进场。")

    _, detail = world.resident.get(f"{MATTERS}/{matter['id']}")
    assert detail["status"] == "in_progress"
    assert [(note["id"], note["body"], note["status"], note["author"]["nickname"]) for note in detail["notes"]] == [
        (first["id"], "已完成设计方案。", "in_progress", "worker"),
        (second["id"], "施工单位已进场。", None, "community_admin"),
    ]
    assert all(note["created_at"].endswith("+08:00") for note in detail["notes"])


def test_a_resident_cannot_write_a_progress_note(world):
    matter = _create(world.worker, world.community.id)
    _note(world.resident, matter["id"], "什么时候开工？", expect=403)


def test_a_risky_progress_note_is_refused_and_nobody_hears_of_it(world):
    matter = _create(world.worker, world.community.id)
    _follow(world.resident, matter["id"])
    body = _note(world.worker, matter["id"], "赌博", expect=422)
    assert body["error"]["code"] == "content_risky"
    assert _progress_notifications(world.resident) == []


def test_every_follower_hears_of_each_progress_note_but_not_after_unfollowing(world):
    matter = _create(world.worker, world.community.id)
    _follow(world.resident, matter["id"])
    _follow(world.resident, matter["id"])  # twice is following once
    _follow(world.neighbour, matter["id"])
    _follow(world.worker, matter["id"])  # the author of the note does not hear of it
    _note(world.worker, matter["id"], "已完成设计方案。", status="in_progress")
    _unfollow(world.neighbour, matter["id"])
    _note(world.worker, matter["id"], "电梯已安装完毕。", status="done")

    heard = _progress_notifications(world.resident)
    assert len(heard) == 2
    assert "电梯已安装完毕" in heard[0]["body"] and "已完成" in heard[0]["body"]
    assert len(_progress_notifications(world.neighbour)) == 1
    assert _progress_notifications(world.worker) == []
    _, detail = world.resident.get(f"{MATTERS}/{matter['id']}")
    _, neighbour_view = world.neighbour.get(f"{MATTERS}/{matter['id']}")
    assert (detail["following"], neighbour_view["following"]) == (True, False)
