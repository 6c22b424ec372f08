"""A month of a small district for the report tests: wishes in every status in three grids of
two communities, one just before the month (not counted) and one at its first minute (counted),
a volunteer activity credited in the month and one the month before."""

from datetime import UTC, datetime, timedelta

from server.core import clock
from tests.activities import credit
from tests.fixtures.api import PATHS, act, post_wish

MONTH = "2026-03"
FIRST, LAST = "2026-03-01", "2026-03-31"
# Shanghai midnight, 1 March 2026, and the moments around it.
MONTH_STARTS = datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
IN_THE_MONTH = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)
RISKY_TITLE = '=HYPERLINK("http://evil.example","点我")'
STAFF = {"grid": "worker", "other_grid": "other_worker", "other_community_grid": "jiefang_admin"}


def walk(world, grid: str, status: str, **overrides) -> dict:
    """A wish posted by the resident in ``grid`` and walked to ``status`` by that grid's staff."""
    wish = post_wish(world.resident, grid_id=getattr(world, grid).id, **overrides)
    for who, action, body in PATHS[status]:
        actor = STAFF[grid] if who == "worker" else who
        wish = act(world.clients[actor], wish["id"], action, body)
    assert wish["status"] == status
    return wish


def a_reported_month(world, monkeypatch) -> dict:
    """Builds the month; the clock stays at IN_THE_MONTH. Answers the wishes by role."""
    length = timedelta(hours=2)
    credit(monkeypatch, world.worker, [world.member], datetime(2026, 2, 10, 1, tzinfo=UTC), area_id=world.grid.id)
    credit(monkeypatch, world.worker, [world.member], datetime(2026, 3, 12, 1, tzinfo=UTC), area_id=world.grid.id)
    march_13 = datetime(2026, 3, 13, 1, tzinfo=UTC)
    credit(monkeypatch, world.worker, [world.member2], march_13, area_id=world.grid.id, length=length * 2)
    monkeypatch.setattr(clock, "now", lambda: MONTH_STARTS - timedelta(minutes=1))
    before = walk(world, "grid", "pending_review", title="二月底的心愿")
    monkeypatch.setattr(clock, "now", lambda: MONTH_STARTS)
    first_minute = walk(world, "grid", "pending_review", title="三月第一分钟的心愿")
    monkeypatch.setattr(clock, "now", lambda: IN_THE_MONTH)
    wishes = {"before": before, "first_minute": first_minute, "risky": walk(world, "grid", "open", title=RISKY_TITLE)}
    for status in ("open", "claimed", "confirmed", "closed", "rejected", "cancelled", "disputed"):
        wishes[status] = walk(world, "grid", status)
    wishes["other_grid_confirmed"] = walk(world, "other_grid", "confirmed")
    wishes["other_grid_open"] = walk(world, "other_grid", "open")
    wishes["jiefang_pending"] = walk(world, "other_community_grid", "pending_review")
    return wishes


def overview_of(api, area_id: int) -> dict:
    status, body = api.get("/api/v1/stats/overview", area_id=area_id, **{"from": FIRST, "to": LAST})
    assert status == 200, body
    return body


def summary_of(workbook) -> dict:
    """The 汇总 sheet as {label: (value, numerator, denominator)}."""
    rows = workbook["汇总"].iter_rows(min_row=2, values_only=True)
    return {row[0]: tuple(row[1:]) for row in rows}


def rows_of(workbook, title: str) -> list[dict]:
    rows = list(workbook[title].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
