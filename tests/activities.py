"""Helpers for the activity tests: a valid body, publishing, sign-ups, moving the clock."""

from datetime import timedelta

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
