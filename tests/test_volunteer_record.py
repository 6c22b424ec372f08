"""The volunteer record: hours and activities per year, and a certificate anyone can open
from its signed link, which says so when the record changed after the link was issued.

No browser harness exists in tests/ (no Chromium), so the page is checked as HTML over HTTP."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update

from server.activities.models import Signup
from server.core.extensions import db
from tests.activities import credit


@pytest.fixture
def credited(world, monkeypatch):
    """credited(api, at, hours=...) -> a completed activity starting ``at`` in which ``api``
    (a verified member) was checked in and credited."""

    def make(api, at: datetime, hours: float | None = None, length=timedelta(hours=2)) -> dict:
        return credit(monkeypatch, world.worker, [api], at, hours=hours, length=length, area_id=world.grid.id)

    return make


def _page(client, url: str):
    response = client.get(urlsplit(url).path)
    return response.status_code, response.get_data(as_text=True), response.headers


def _text(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">(.*?)</', html, re.DOTALL)
    assert match, element_id
    return match.group(1).strip()


def test_the_record_sums_hours_and_activities_per_year_latest_first(world, credited):
    credited(world.member, datetime(2025, 6, 1, 1, 0, tzinfo=UTC))
    credited(world.member, datetime(2026, 3, 8, 1, 0, tzinfo=UTC), hours=1.5)
    credited(world.member, datetime(2026, 5, 1, 1, 0, tzinfo=UTC), length=timedelta(hours=3))
    credited(world.member2, datetime(2026, 5, 2, 1, 0, tzinfo=UTC))

    status, record = world.member.get("/api/v1/me/volunteer-record")
    assert status == 200
    assert (record["hours"], record["activities"], record["points"]) == (6.5, 3, 13)
    assert record["years"] == [
        {"year": 2026, "hours": 4.5, "activities": 2},
        {"year": 2025, "hours": 2.0, "activities": 1},
    ]
    assert [item["hours"] for item in record["items"]] == [3.0, 1.5, 2.0]
    assert record["items"][0]["starts_at"] == "2026-05-01T09:00:00+08:00"
    assert world.resident.get("/api/v1/me/volunteer-record")[1]["hours"] == 0


def test_anyone_opening_the_certificate_sees_the_masked_name_hours_period_and_community(world, client, credited):
    credited(world.member, datetime(2026, 3, 8, 1, 0, tzinfo=UTC))
    credited(world.member, datetime(2026, 5, 1, 1, 0, tzinfo=UTC), hours=1.5)
    url = world.member.get("/api/v1/me/volunteer-record")[1]["certificate_url"]
    assert url.startswith("http")

    status, html, headers = _page(client.application.test_client(), url)  # no bearer token
    assert status == 200
    assert "志愿服务证明" in html
    assert _text(html, "name") == "m*****"  # "member", masked
    assert _text(html, "hours") == "3.5 小时"
    assert _text(html, "activities") == "2 次"
    assert _text(html, "period") == "2026年3月8日 至 2026年5月1日"
    assert _text(html, "community") == "红旗社区"
    assert "记录一致" in _text(html, "status")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)  # nothing from outside


def test_an_altered_or_made_up_link_is_not_a_certificate(world, client, credited):
    credited(world.member, datetime(2026, 3, 8, 1, 0, tzinfo=UTC))
    path = urlsplit(world.member.get("/api/v1/me/volunteer-record")[1]["certificate_url"]).path
    token = path.rsplit("/", 1)[1]
    payload, signature = token.rsplit(".", 1)
    other_user = world.member2.get("/api/v1/me/volunteer-record")[1]["certificate_url"].rsplit("/", 1)[1]
    other_payload = other_user.rsplit(".", 1)[0]

    for forged in (f"{other_payload}.{signature}", f"{payload}.{signature[:-2]}xx", "eyJ1IjoxfQ.abc", "x"):
        status, html, _ = _page(client, f"/certificates/{forged}")
        assert status == 404 and "证明无效" in html, forged


def test_the_certificate_says_so_when_the_record_changed_after_the_link_was_issued(app, world, client, credited):
    credited(world.member, datetime(2026, 3, 8, 1, 0, tzinfo=UTC))
    url = world.member.get("/api/v1/me/volunteer-record")[1]["certificate_url"]

    with app.app_context():  # an administrator corrects the hours credited
        db.session.execute(update(Signup).values(credited_minutes=30))
        db.session.commit()
    status, html, _ = _page(client, url)
    assert status == 200
    assert _text(html, "hours") == "2 小时"  # as issued
    assert "已有变动" in _text(html, "status") and "0.5 小时" in _text(html, "status")

    credited(world.member, datetime(2026, 5, 1, 1, 0, tzinfo=UTC))  # more service since
    fresh = world.member.get("/api/v1/me/volunteer-record")[1]["certificate_url"]
    status, html, _ = _page(client, fresh)
    assert _text(html, "hours") == "2.5 小时" and "记录一致" in _text(html, "status")


def test_the_rankings_can_sum_each_members_credited_minutes_in_a_period(app, world, credited):
    from sqlalchemy import select

    from server.activities.queries import volunteer_minutes_by_member

    credited(world.member, datetime(2026, 3, 8, 1, 0, tzinfo=UTC))
    credited(world.member, datetime(2026, 5, 1, 1, 0, tzinfo=UTC), hours=1.5)
    credited(world.member2, datetime(2026, 5, 2, 1, 0, tzinfo=UTC))
    with app.app_context():
        everything = volunteer_minutes_by_member()
        rows = db.session.execute(select(everything).order_by(everything.c.user_id)).all()
        assert [(row.user_id, row.minutes, row.activities) for row in rows] == [
            (world.user_id("member"), 210, 2),
            (world.user_id("member2"), 120, 1),
        ]
        since_april = volunteer_minutes_by_member(since=datetime(2026, 4, 1, tzinfo=UTC))
        rows = db.session.execute(select(since_april).order_by(since_april.c.user_id)).all()
        assert [(row.user_id, row.minutes) for row in rows] == [
            (world.user_id("member"), 90),
            (world.user_id("member2"), 120),
        ]
