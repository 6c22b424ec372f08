"""The daily rollup: one row per area node per Shanghai day, equal to the overview of that day,
idempotent, and catching up every day missed while no scheduler ran."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, update

from server.areas.models import Area
from server.core import clock
from server.core.extensions import db
from server.jobs.runner import run_job
from server.stats import tasks
from server.stats.models import DailyStats
from server.stats.tasks import stats_rollup
from server.wishes.models import Wish
from server.wishes.queries import overview
from tests.conftest import act, post_wish

DAY_1, DAY_2 = date(2026, 11, 1), date(2026, 11, 2)


def _at(day: date, hour: int) -> datetime:
    return clock.shanghai_at(day, time(hour))


def _move(app, wish_id: int, moment: datetime) -> None:
    with app.app_context():
        db.session.execute(update(Wish).where(Wish.id == wish_id).values(created_at=moment))
        db.session.commit()


def _roll(app, now: datetime) -> int:
    with app.app_context():
        written = stats_rollup(now)
        db.session.commit()
        return written


def _row(app, area_id: int, day: date) -> DailyStats:
    with app.app_context():
        return db.session.scalar(select(DailyStats).where(DailyStats.area_id == area_id, DailyStats.day == day))


def _rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DailyStats))


def test_each_day_of_each_area_equals_that_days_overview_and_a_rerun_writes_nothing(app, world):
    early = post_wish(world.resident)
    _move(app, early["id"], _at(DAY_1, 9))
    late = post_wish(world.resident, grid_id=world.other_community_grid.id)
    act(world.jiefang_admin, late["id"], "review", {"decision": "approve"})
    # 23:30 in Shanghai on day 1 is 15:30 UTC: it still belongs to day 1.
    _move(app, late["id"], _at(DAY_1, 23) + timedelta(minutes=30))
    third = post_wish(world.resident)
    _move(app, third["id"], _at(DAY_2, 8))

    written = _roll(app, _at(DAY_2 + timedelta(days=1), 0) + timedelta(minutes=10))

    areas = 7  # district, street, two communities, three grids
    assert written == 2 * areas
    assert _roll(app, _at(DAY_2 + timedelta(days=1), 1)) == 0
    district_day_1 = _row(app, world.district.id, DAY_1)
    assert district_day_1.total == 2
    assert district_day_1.counts["pending_review"] == 1 and district_day_1.counts["open"] == 1
    assert _row(app, world.grid.id, DAY_1).total == 1
    assert _row(app, world.grid.id, DAY_2).total == 1
    assert _row(app, world.other_community_grid.id, DAY_2).total == 0
    with app.app_context():
        expected = overview(db.session.get(Area, world.district.id), DAY_1, DAY_1)
    assert district_day_1.response_due == expected["response_rate"]["denominator"]
    assert district_day_1.responded == expected["response_rate"]["numerator"]


def test_days_missed_while_no_scheduler_ran_are_rolled_up_once_on_return(app, world):
    wish = post_wish(world.resident)
    _move(app, wish["id"], _at(DAY_1, 9))
    _roll(app, _at(DAY_2, 1))  # rolls up day 1
    assert _rows(app) == 7

    # Down for four nights; the first run back rolls up days 2, 3, 4 and 5, each once.
    written = _roll(app, _at(DAY_1 + timedelta(days=5), 3))
    assert written == 4 * 7
    assert _roll(app, _at(DAY_1 + timedelta(days=5), 4)) == 0
    with app.app_context():
        days = sorted(set(db.session.scalars(select(DailyStats.day))))
    assert days == [DAY_1 + timedelta(days=n) for n in range(5)]


def _days(app) -> list[date]:
    with app.app_context():
        return sorted(set(db.session.scalars(select(DailyStats.day))))


def test_a_catch_up_failing_on_one_day_keeps_the_days_rolled_up_before_it(app, world, monkeypatch):
    wish = post_wish(world.resident)
    _move(app, wish["id"], _at(DAY_1, 9))
    failing_day = DAY_1 + timedelta(days=2)
    real_overview = tasks.overview

    def overview_failing_on_one_day(area, start, end):
        if start == failing_day:
            raise RuntimeError("the database went away")
        return real_overview(area, start, end)

    monkeypatch.setattr(tasks, "overview", overview_failing_on_one_day)
    back_after_an_outage = _at(DAY_1 + timedelta(days=4), 1)  # days 1 to 4 to roll up

    assert run_job("stats_rollup", back_after_an_outage, app=app).outcome.startswith("error:")
    assert _days(app) == [DAY_1, DAY_1 + timedelta(days=1)]

    monkeypatch.setattr(tasks, "overview", real_overview)
    assert run_job("stats_rollup", back_after_an_outage, app=app).rows_touched == 2 * 7  # from the failed day on
    assert _days(app) == [DAY_1 + timedelta(days=n) for n in range(4)]


def test_points_earned_that_day_are_rolled_up_for_the_members_areas(app, world, wish_in):
    wish_in("confirmed")  # +10 and +2 to the member of world.grid, today
    today = clock.shanghai_today()
    _roll(app, clock.shanghai_at(today + timedelta(days=1), time(0, 10)))
    assert _row(app, world.grid.id, today).points == 12
    assert _row(app, world.district.id, today).points == 12
    assert _row(app, world.other_community_grid.id, today).points == 0


def test_the_job_runs_through_the_runner_and_reports_rows(app, world):
    wish = post_wish(world.resident)
    _move(app, wish["id"], clock.now() - timedelta(days=2))

    result = run_job("stats_rollup", app=app)

    assert result.outcome == "ok"
    assert result.rows_touched == _rows(app) > 0
    assert run_job("stats_rollup", app=app).rows_touched == 0
