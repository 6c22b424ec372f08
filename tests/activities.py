"""Helpers for the activity tests: a valid body, publishing, sign-ups, moving the clock."""

from datetime import datetime, timedelta

from server.core import clock
from tests.conftest import login


def activity_body(area_id: int, *, starts_in=timedelta(days=2), length=timedelta(hours=2), **overrides) -> dict:
    starts_at = clock.now() + starts_in
    return {
        "title": "清理楼道杂物",
        "description": "和居民一起清理3号楼楼道堆放的杂物，请带好手套。",
        "area_id": area_id,
        "place": "红旗社区3号楼",
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + length).isoformat(),
        "capacity": 3,
        "points_per_hour": 2,
        **overrides,
    }


def publish(api, area_id: int, **overrides) -> dict:
    status, body = api.post("/api/v1/activities", activity_body(area_id, **overrides))
    assert status == 201, body
    return body


def delete(api, path: str):
    response = api.client.delete(path, headers={"Authorization": f"Bearer {api.token}"})
    return response.status_code, response.get_json(silent=True)


def members(client, factory, grid_id: int, count: int, prefix: str = "volunteer") -> list:
    """``count`` verified party members of the grid, each logged in."""
    apis = []
    for n in range(count):
        openid = f"{prefix}-{n}"
        factory.user(openid, home_grid_id=grid_id, party_member=grid_id)
        apis.append(login(client, openid))
    return apis


def credit(monkeypatch, organiser, volunteers, at: datetime, *, hours=None, length=timedelta(hours=2), area_id):
    """A completed activity in ``area_id`` starting ``at``, published and completed by
    ``organiser``, in which each of ``volunteers`` (verified members) signed up, was checked in
    and was credited (``hours`` as given for each, else the activity's length). The clock is
    moved for each step and put back."""
    monkeypatch.setattr(clock, "now", lambda: at - timedelta(days=1))
    activity = publish(organiser, area_id, starts_in=timedelta(days=1), length=length, capacity=max(3, len(volunteers)))
    for api in volunteers:
        assert api.post(f"/api/v1/activities/{activity['id']}/signup")[0] == 201
    monkeypatch.setattr(clock, "now", lambda: at + timedelta(minutes=5))
    for api in volunteers:
        assert api.post(f"/api/v1/activities/{activity['id']}/checkin", {"code": activity["checkin_code"]})[0] == 200
    monkeypatch.setattr(clock, "now", lambda: at + length)
    body = {"hours": {str(api.get("/api/v1/me")[1]["id"]): hours for api in volunteers}} if hours is not None else {}
    status, done = organiser.post(f"/api/v1/activities/{activity['id']}/complete", body)
    assert status == 200, done
    monkeypatch.undo()
    return activity
