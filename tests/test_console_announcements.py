"""Notices in the staff console: every notice of the worker's area with its read count,
pinned first, withdrawn and expired ones marked; published through the form; withdrawn once;
another grid's worker sees none of them."""

from datetime import timedelta

import pytest

from server.announcements.models import Announcement
from server.core import clock
from server.core.extensions import db
from tests.console_pages import page_text, post_form, signed_in, stored

PAGE = "/console/announcements"


@pytest.fixture
def console(app, world):
    return lambda name: signed_in(app, world, name)


def notice(api, area_id: int, **fields) -> dict:
    status, body = api.post(
        "/api/v1/announcements", {"title": "停水通知", "body": "周三停水", "area_id": area_id, **fields}
    )
    assert status == 201, body
    return body


def row_of(listing: str, notice_id: int) -> str:
    start = listing.index(f'id="announcement-{notice_id}"')
    return listing[start : listing.index("</tr>", start)]


def test_the_list_shows_each_notice_with_its_read_count_pinned_first(world, console):
    plain = notice(world.worker, world.grid.id, title="垃圾分类提醒")
    pinned = notice(world.worker, world.grid.id, title="燃气检查", pinned=True)
    for api in (world.resident, world.neighbour):
        assert api.get(f"/api/v1/announcements/{plain['id']}")[0] == 200

    listing = page_text(console("worker"), PAGE)

    assert listing.index("燃气检查") < listing.index("垃圾分类提醒")
    assert '<td data-label="已读人数" class="read-count">2</td>' in row_of(listing, plain["id"])
    assert '<td data-label="已读人数" class="read-count">0</td>' in row_of(listing, pinned["id"])
    assert "置顶" in row_of(listing, pinned["id"])


def test_withdrawn_and_expired_notices_stay_on_the_staff_list_marked(world, console, monkeypatch):
    gone = notice(world.worker, world.grid.id, title="旧通知")
    expiring = notice(
        world.worker, world.grid.id, title="限时通知", expires_at=(clock.now() + timedelta(days=1)).isoformat()
    )
    worker = console("worker")
    assert post_form(worker, f"{PAGE}/{gone['id']}/withdraw", {}, page=PAGE).status_code == 303
    later = clock.now() + timedelta(days=2)
    monkeypatch.setattr(clock, "now", lambda: later)

    listing = page_text(worker, PAGE)

    assert "已撤回" in row_of(listing, gone["id"]) and "撤回</button>" not in row_of(listing, gone["id"])
    assert "已过期" in row_of(listing, expiring["id"])
    assert world.resident.get("/api/v1/announcements")[1]["items"] == [], "residents see neither"


def test_a_grid_worker_publishes_a_pinned_notice_with_an_expiry_in_shanghai_time(app, world, console):
    worker = console("worker")
    day = (clock.now() + timedelta(days=5)).astimezone(clock.SHANGHAI).date()
    form = {"title": "电梯维保", "body": "3号楼电梯周五维保", "area_id": str(world.grid.id), "pinned": "on"}

    response = post_form(worker, PAGE, {**form, "expires_at": f"{day}T18:00"}, page=PAGE)

    assert response.status_code == 303
    saved = stored(app, lambda: db.session.query(Announcement).filter_by(title="电梯维保").one())
    assert saved.pinned is True and saved.author_id == world.user_id("worker")
    assert saved.expires_at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M") == f"{day} 18:00"
    assert "通知“电梯维保”已发布" in page_text(worker, response.headers["Location"])
    assert [item["title"] for item in world.resident.get("/api/v1/announcements")[1]["items"]] == ["电梯维保"]


def test_an_expiry_in_the_past_is_refused_with_the_reason(app, world, console):
    worker = console("worker")
    form = {"title": "过期", "body": "内容", "area_id": str(world.grid.id), "expires_at": "2020-01-01T08:00"}

    assert post_form(worker, PAGE, form, page=PAGE).status_code == 303

    assert "截止时间应在现在到一年之内" in page_text(worker, PAGE)
    assert stored(app, lambda: db.session.query(Announcement).count()) == 0


def test_withdrawing_twice_is_a_message_not_an_error(world, console):
    posted = notice(world.worker, world.grid.id)
    worker = console("worker")
    assert post_form(worker, f"{PAGE}/{posted['id']}/withdraw", {}, page=PAGE).status_code == 303

    again = post_form(worker, f"{PAGE}/{posted['id']}/withdraw", {}, page=PAGE)

    assert again.status_code == 303
    assert "该通知已撤回" in page_text(worker, PAGE)


def test_another_grids_worker_neither_sees_nor_withdraws_this_grids_notices(world, console):
    posted = notice(world.worker, world.grid.id, title="本网格通知")
    other = console("other_worker")

    assert "本网格通知" not in page_text(other, PAGE)
    assert other.get(f"{PAGE}?area_id={world.grid.id}").status_code == 403
    assert post_form(other, f"{PAGE}/{posted['id']}/withdraw", {}, page=PAGE).status_code == 303
    assert "只有该区域的网格员或管理员可以撤回通知" in page_text(other, PAGE)
    assert world.resident.get(f"/api/v1/announcements/{posted['id']}")[0] == 200, "still up"


def test_a_grid_worker_cannot_publish_to_another_grid(app, world, console):
    worker = console("worker")
    form = {"title": "越权", "body": "内容", "area_id": str(world.other_grid.id)}

    assert post_form(worker, PAGE, form, page=PAGE).status_code == 303

    assert "只有该区域的网格员或管理员可以发布通知" in page_text(worker, PAGE)
    assert stored(app, lambda: db.session.query(Announcement).count()) == 0
