"""Volunteer activities in the staff console: published through the form in Shanghai time,
listed with places held and the waitlist, the roster with masked names, the printable check-in
QR code carrying exactly the code the mini-program sends, completion with the hours typed;
another grid's worker sees and does none of it."""

from datetime import timedelta

import pytest
import segno

from server.activities.models import Activity, Signup
from server.core import clock
from server.core.extensions import db
from tests.activities import publish
from tests.console_pages import page_text, post_form, signed_in, stored


@pytest.fixture
def console(app, world):
    """``console("worker")``: a test client signed in to the console as that person."""
    return lambda name: signed_in(app, world, name)


def test_a_grid_worker_publishes_an_activity_through_the_form_in_shanghai_time(app, world, console):
    worker = console("worker")
    day = (clock.now() + timedelta(days=3)).astimezone(clock.SHANGHAI).date()

    response = post_form(
        worker,
        "/console/activities",
        {
            "title": "敬老院陪伴",
            "description": "陪老人聊天、读报。",
            "area_id": str(world.grid.id),
            "place": "红旗社区敬老院",
            "starts_at": f"{day}T09:00",
            "ends_at": f"{day}T11:30",
            "capacity": "10",
            "points_per_hour": "3",
        },
        page="/console/activities/new",
    )

    assert response.status_code == 303
    activity = stored(app, lambda: db.session.query(Activity).filter_by(title="敬老院陪伴").one())
    assert response.headers["Location"] == f"/console/activities/{activity.id}"
    assert activity.starts_at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M") == f"{day} 09:00"
    assert (
        activity.length_minutes == 150 and activity.capacity == 10 and activity.organiser_id == world.user_id("worker")
    )
    detail = page_text(worker, response.headers["Location"])
    assert "活动“敬老院陪伴”已发布" in detail and f"{day} 09:00" in detail


def test_a_form_whose_end_is_before_its_start_is_refused_with_the_reason_and_nothing_is_published(app, world, console):
    worker = console("worker")
    day = (clock.now() + timedelta(days=3)).astimezone(clock.SHANGHAI).date()
    form = {"title": "植树", "description": "种树", "area_id": str(world.grid.id), "place": "河边", "capacity": "5"}
    form |= {"points_per_hour": "1", "starts_at": f"{day}T10:00", "ends_at": f"{day}T09:00"}

    response = post_form(worker, "/console/activities", form, page="/console/activities/new")

    assert response.status_code == 303 and response.headers["Location"] == "/console/activities/new"
    assert "结束时间应晚于开始时间" in page_text(worker, "/console/activities/new")
    assert stored(app, lambda: db.session.query(Activity).filter_by(title="植树").count()) == 0


def test_the_list_shows_places_held_and_the_waitlist_upcoming_first(world, console):
    later = publish(world.worker, world.grid.id, title="下周义诊", starts_in=timedelta(days=9), capacity=1)
    sooner = publish(world.worker, world.grid.id, title="明天清扫", starts_in=timedelta(days=1), capacity=1)
    world.member.post(f"/api/v1/activities/{later['id']}/signup")
    world.member2.post(f"/api/v1/activities/{later['id']}/signup")  # waits

    listing = page_text(console("worker"), "/console/activities")

    assert listing.index("明天清扫") < listing.index("下周义诊")
    row = listing[listing.index("下周义诊") :]
    assert ">1/1<" in row[: row.index("</tr>")] and ">1</td>" in row[: row.index("</tr>")]
    assert sooner["title"] in listing


def test_the_detail_lists_sign_ups_by_masked_name_and_the_waitlist_in_its_order(app, world, console, factory):
    activity = publish(world.worker, world.grid.id, capacity=1)
    for api in (world.member, world.member2):
        assert api.post(f"/api/v1/activities/{activity['id']}/signup")[0] == 201

    detail = page_text(console("worker"), f"/console/activities/{activity['id']}")

    signups = detail[detail.index('id="signups"') : detail.index('id="waitlist"')]
    waitlist = detail[detail.index('id="waitlist"') :]
    assert "m*****" in signups and "m******" not in signups
    assert "m******" in waitlist.split("</ol>")[0]
    assert ">member<" not in detail and "member2" not in detail, "names are masked"
    assert activity["checkin_code"] in detail


def test_the_qr_page_draws_exactly_the_check_in_code_the_mini_program_sends(world, console, monkeypatch):
    activity = publish(world.worker, world.grid.id)
    code = activity["checkin_code"]

    page = page_text(console("worker"), f"/console/activities/{activity['id']}/qr")

    drawn = segno.make_qr(code, error="m")
    assert drawn.svg_inline(omitsize=True, border=4, title=f"签到码 {code}") in page
    assert not drawn.is_micro, "WeChat's scanner reads full QR codes only"
    assert activity["title"] in page and activity["place"] in page and "<script" not in page
    # What the code holds is what check-in takes.
    assert world.member.post(f"/api/v1/activities/{activity['id']}/signup")[0] == 201
    monkeypatch.setattr(clock, "now", lambda: _at(activity, minutes=5))
    assert world.member.post(f"/api/v1/activities/{activity['id']}/checkin", {"code": code})[0] == 200


def _at(activity, *, minutes: int):
    from datetime import datetime

    return datetime.fromisoformat(activity["starts_at"]) + timedelta(minutes=minutes)


@pytest.mark.parametrize("path", ["", "/qr"])
def test_another_grids_worker_cannot_open_the_roster_or_the_qr_code(world, console, path):
    activity = publish(world.worker, world.grid.id)

    response = console("other_worker").get(f"/console/activities/{activity['id']}{path}")

    assert response.status_code == 403
    assert activity["checkin_code"] not in response.get_data(as_text=True)


def test_another_grids_worker_cannot_list_this_grids_activities(world, console):
    response = console("other_worker").get(f"/console/activities?area_id={world.grid.id}")

    assert response.status_code == 403


def test_completion_credits_the_hours_typed_for_each_person_and_a_second_one_is_a_message(
    app, world, console, monkeypatch
):
    activity = publish(world.worker, world.grid.id)
    for api in (world.member, world.member2):
        assert api.post(f"/api/v1/activities/{activity['id']}/signup")[0] == 201
    monkeypatch.setattr(clock, "now", lambda: _at(activity, minutes=5))
    for api in (world.member, world.member2):
        assert api.post(f"/api/v1/activities/{activity['id']}/checkin", {"code": activity["checkin_code"]})[0] == 200
    monkeypatch.setattr(clock, "now", lambda: _at(activity, minutes=150))
    worker = console("worker")
    page = f"/console/activities/{activity['id']}"
    assert 'value="2"' in page_text(worker, page), "the form starts at the activity's length"
    form = {f"hours-{world.user_id('member')}": "1.5", f"hours-{world.user_id('member2')}": "2"}

    first = post_form(worker, f"{page}/complete", form, page=page)
    second = post_form(worker, f"{page}/complete", form, page=page)

    assert first.status_code == 303 and second.status_code == 303
    credited = stored(
        app,
        lambda: dict(db.session.query(Signup.user_id, Signup.credited_minutes).filter_by(activity_id=activity["id"])),
    )
    assert credited == {world.user_id("member"): 90, world.user_id("member2"): 120}
    detail = page_text(worker, page)
    assert "活动已确认完成，时长和积分不会重复计入" in detail and "1.5 小时" in detail


def test_completing_an_activity_that_has_not_started_is_a_message_not_an_error(app, world, console):
    activity = publish(world.worker, world.grid.id)
    worker = console("worker")
    page = f"/console/activities/{activity['id']}"

    response = post_form(worker, f"{page}/complete", {}, page=page)

    assert response.status_code == 303
    assert "活动尚未开始，不能确认完成" in page_text(worker, page)
    assert stored(app, lambda: db.session.get(Activity, activity["id"]).completed_at) is None


def test_another_grids_worker_cannot_complete_the_activity(app, world, console, monkeypatch):
    activity = publish(world.worker, world.grid.id)
    monkeypatch.setattr(clock, "now", lambda: _at(activity, minutes=150))
    other = console("other_worker")

    response = post_form(other, f"/console/activities/{activity['id']}/complete", {}, page="/console/activities")

    assert response.status_code == 303
    assert "只有活动组织者或该区域的网格员、管理员可以确认完成" in page_text(other, "/console/activities")
    assert stored(app, lambda: db.session.get(Activity, activity["id"]).completed_at) is None
