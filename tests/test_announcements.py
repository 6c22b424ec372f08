"""Notices (通知公告): staff publish to a node; everyone whose home grid lies below it sees the
notice while it is up, pinned first, with their own read mark; staff see how many read it."""

from datetime import timedelta

import pytest

from miniprogram_api.fields import shanghai_isoformat
from server.core import clock

NOTICE = {"title": "本月主题党日活动安排", "body": "本月第一个星期四上午九点，在社区党群服务中心开展主题党日活动。"}


def _publish(api, area_id, **fields):
    status, body = api.post("/api/v1/announcements", {**NOTICE, "area_id": area_id, **fields})
    assert status == 201, body
    return body


def _titles(api, **params):
    status, body = api.get("/api/v1/announcements", **params)
    assert status == 200, body
    return [item["title"] for item in body["items"]]


def _delete(api, path):
    response = api.client.delete(path, headers={"Authorization": f"Bearer {api.token}"})
    return response.status_code, response.get_json(silent=True)


def test_a_grid_worker_publishes_to_their_grid_and_its_residents_see_it_unread(world):
    notice = _publish(world.worker, world.grid.id)
    assert (notice["title"], notice["pinned"], notice["read"], notice["read_count"]) == (
        NOTICE["title"],
        False,
        False,
        0,
    )
    status, body = world.resident.get("/api/v1/announcements")
    assert status == 200
    assert [(item["id"], item["read"], item["read_count"]) for item in body["items"]] == [(notice["id"], False, None)]


@pytest.mark.parametrize("who, area", [("worker", "community"), ("other_worker", "grid"), ("resident", "grid")])
def test_only_staff_whose_scope_covers_the_node_publish_to_it(world, who, area):
    status, body = world.clients[who].post("/api/v1/announcements", {**NOTICE, "area_id": getattr(world, area).id})
    assert (status, body["error"]["code"]) == (403, "forbidden")


def test_a_risky_notice_is_refused(world):
    status, body = world.worker.post("/api/v1/announcements", {**NOTICE, "area_id": world.grid.id, "body": "赌博"})
    assert (status, body["error"]["code"]) == (422, "content_risky")


def test_an_expiry_in_the_past_is_refused(world):
    past = shanghai_isoformat(clock.now() - timedelta(minutes=1))
    status, body = world.worker.post("/api/v1/announcements", {**NOTICE, "area_id": world.grid.id, "expires_at": past})
    assert status == 422 and "expires_at" in body["error"]["details"]


def test_a_residents_of_another_grid_does_not_see_a_grids_notice(world):
    _publish(world.worker, world.grid.id)
    assert _titles(world.other_worker) == []  # lives in the neighbouring grid of the same community
    assert _titles(world.jiefang_admin) == []


def test_a_district_notice_reaches_everyone_below_it(world):
    _publish(world.district_admin, world.district.id, title="区委通知")
    for who in ("resident", "other_worker", "jiefang_admin", "member"):
        assert _titles(world.clients[who]) == ["区委通知"], who


def test_pinned_notices_come_first_then_the_newest_across_pages(world):
    old_pinned = _publish(world.community_admin, world.community.id, title="置顶旧", pinned=True)
    older = _publish(world.worker, world.grid.id, title="普通一")
    new_pinned = _publish(world.district_admin, world.district.id, title="置顶新", pinned=True)
    newer = _publish(world.worker, world.grid.id, title="普通二")
    seen, cursor = [], None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        status, page = world.resident.get("/api/v1/announcements", **params)
        assert status == 200, page
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [new_pinned["id"], old_pinned["id"], newer["id"], older["id"]]


def test_a_malformed_cursor_is_422(world):
    status, body = world.resident.get("/api/v1/announcements", cursor="x123")
    assert status == 422 and "cursor" in body["error"]["details"]


def test_expired_notices_are_gone_from_the_list(world, monkeypatch):
    soon = clock.now() + timedelta(hours=1)
    _publish(world.worker, world.grid.id, title="停水通知", expires_at=shanghai_isoformat(soon))
    _publish(world.worker, world.grid.id, title="长期有效")
    assert _titles(world.resident) == ["长期有效", "停水通知"]
    monkeypatch.setattr(clock, "now", lambda: soon + timedelta(seconds=1))
    assert _titles(world.resident) == ["长期有效"]


def test_a_withdrawn_notice_leaves_every_list_and_residents_cannot_open_it(world):
    notice = _publish(world.worker, world.grid.id)
    assert _delete(world.resident, f"/api/v1/announcements/{notice['id']}")[0] == 403
    status, withdrawn = _delete(world.worker, f"/api/v1/announcements/{notice['id']}")
    assert status == 200 and withdrawn["withdrawn_at"] is not None
    assert _titles(world.resident) == []
    assert world.resident.get(f"/api/v1/announcements/{notice['id']}")[0] == 404
    assert _delete(world.worker, f"/api/v1/announcements/{notice['id']}")[1]["error"]["code"] == "already_withdrawn"


def test_opening_a_notice_marks_it_read_once_and_staff_see_the_count(world):
    notice = _publish(world.worker, world.grid.id)
    path = f"/api/v1/announcements/{notice['id']}"
    status, opened = world.resident.get(path)
    assert (status, opened["read"], opened["read_count"], opened["body"]) == (200, True, None, NOTICE["body"])
    world.resident.get(path)  # again: still one reader
    status, marked = world.member.post(f"{path}/read")
    assert (status, marked) == (200, {"id": notice["id"], "read": True})
    world.member.post(f"{path}/read")

    assert [item["read"] for item in world.resident.get("/api/v1/announcements")[1]["items"]] == [True]
    assert [item["read"] for item in world.neighbour.get("/api/v1/announcements")[1]["items"]] == [False]
    staff_view = world.worker.get("/api/v1/announcements")[1]["items"]
    assert [(item["read"], item["read_count"]) for item in staff_view] == [(False, 2)]
    assert world.community_admin.get(path)[1]["read_count"] == 3  # the admin opening it is the third reader


def test_a_notice_that_does_not_apply_to_the_caller_cannot_be_opened_or_marked(world):
    notice = _publish(world.worker, world.grid.id)
    path = f"/api/v1/announcements/{notice['id']}"
    assert world.jiefang_admin.get(path)[0] == 404
    assert world.jiefang_admin.post(f"{path}/read")[0] == 404
    assert world.worker.get(path)[1]["read_count"] == 1  # only the worker, just now


def test_staff_list_a_nodes_subtree_with_area_id_and_others_may_not(world):
    _publish(world.worker, world.grid.id, title="第1网格通知")
    _publish(world.other_worker, world.other_grid.id, title="第2网格通知")
    assert _titles(world.community_admin, area_id=world.community.id) == ["第2网格通知", "第1网格通知"]
    status, body = world.resident.get("/api/v1/announcements", area_id=world.community.id)
    assert (status, body["error"]["code"]) == (403, "forbidden")
    assert world.worker.get("/api/v1/announcements", area_id=world.other_grid.id)[0] == 403


def test_an_expiry_more_than_a_year_ahead_or_beyond_any_storable_time_is_refused(world):
    for expiry in (shanghai_isoformat(clock.now() + timedelta(days=400)), "9999-12-31T23:59:59-01:00"):
        status, body = world.worker.post(
            "/api/v1/announcements", {**NOTICE, "area_id": world.grid.id, "expires_at": expiry}
        )
        assert status == 422 and "expires_at" in body["error"]["details"], (expiry, body)


def test_a_publish_retried_with_its_idempotency_key_makes_one_notice(world):
    headers = {"Idempotency-Key": "notice-1"}
    body = {**NOTICE, "area_id": world.grid.id}
    first = world.worker.post("/api/v1/announcements", body, headers=headers)
    again = world.worker.post("/api/v1/announcements", body, headers=headers)
    assert first == again and first[0] == 201
    assert len(world.resident.get("/api/v1/announcements")[1]["items"]) == 1
