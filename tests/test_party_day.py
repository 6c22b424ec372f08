"""The monthly party day (主题党日): the job makes it on the first Thursday in every community,
once per community per month, and a scheduler that was down on the day makes it when it starts."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from server.activities.models import Activity
from server.activities.operations import create_party_day, first_thursday
from server.areas.models import Area
from server.core import clock
from server.core.extensions import db
from server.jobs import registry
from server.jobs.models import JobStatus
from server.jobs.runner import run_job
from server.jobs.scheduler import missed_calendar_jobs

# 2026-12-03 is December's first Thursday; the job fires at 00:05 Shanghai (16:05 UTC the day before).
DUE = datetime(2026, 12, 2, 16, 5, tzinfo=UTC)


def _party_days(app) -> list[tuple[str, datetime, date]]:
    with app.app_context():
        rows = db.session.execute(
            select(Area.name, Activity.starts_at, Activity.party_month)
            .join(Area, Area.id == Activity.area_id)
            .where(Activity.party_month.is_not(None))
            .order_by(Activity.party_month, Area.id)
        ).all()
        return [tuple(row) for row in rows]


def test_the_job_is_due_on_the_first_thursday_of_each_month_shanghai():
    job = registry.get("party_day")
    assert job.last_due_at(DUE + timedelta(days=20)) == DUE
    assert job.next_run_after(DUE, 60) == datetime(2027, 1, 6, 16, 5, tzinfo=UTC)  # Thursday 7 January
    assert first_thursday(date(2027, 4, 20)) == date(2027, 4, 1)  # a month that begins on a Thursday


def test_the_job_makes_this_months_party_day_in_every_community_once(app, world):
    first = run_job("party_day", DUE, app=app)
    again = run_job("party_day", DUE + timedelta(hours=2), app=app)

    assert (first.ok, first.rows_touched) == (True, 2)
    assert (again.ok, again.rows_touched) == (True, 0)
    nine_shanghai = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
    assert _party_days(app) == [
        ("红旗社区", nine_shanghai, date(2026, 12, 1)),
        ("解放社区", nine_shanghai, date(2026, 12, 1)),
    ]


def test_the_party_day_is_an_activity_members_see_and_sign_up_for_and_its_community_runs(app, world):
    run_job("party_day", DUE, app=app)
    with app.app_context():
        hongqi_id = db.session.scalar(
            select(Activity.id).where(Activity.area_id == world.community.id, Activity.party_month.is_not(None))
        )
    status, listed = world.member.get("/api/v1/activities", area_id=world.grid.id)
    assert listed["items"] == []  # the community's, not the grid's
    status, listed = world.member.get("/api/v1/activities", area_id=world.community.id)
    assert status == 200
    (party_day,) = listed["items"]
    assert party_day["id"] == hongqi_id and party_day["party_day"] is True
    assert party_day["title"] == "红旗社区12月主题党日" and party_day["starts_at"] == "2026-12-03T09:00:00+08:00"
    assert party_day["organiser_id"] is None and party_day["checkin_code"] is None
    assert world.community_admin.get(f"/api/v1/activities/{hongqi_id}")[1]["checkin_code"]
    if clock.now() < datetime.fromisoformat(party_day["ends_at"]):
        assert world.member.post(f"/api/v1/activities/{hongqi_id}/signup")[0] == 201


def test_a_scheduler_down_on_the_day_makes_the_party_day_when_it_starts_later(app, world, monkeypatch):
    job = registry.get("party_day")
    a_week_late = DUE + timedelta(days=7)
    monkeypatch.setattr(clock, "now", lambda: a_week_late)
    with app.app_context():
        db.session.add(JobStatus(job_id=job.id, last_started_at=datetime(2026, 11, 5, 16, 5, tzinfo=UTC)))
        db.session.commit()

    assert missed_calendar_jobs(app, (job,)) == [job]
    assert run_job("party_day", app=app).rows_touched == 2
    assert [starts_at for _, starts_at, _ in _party_days(app)] == [datetime(2026, 12, 3, 1, 0, tzinfo=UTC)] * 2
    assert missed_calendar_jobs(app, (job,), a_week_late + timedelta(minutes=1)) == []  # once


def test_each_month_has_its_own_party_day_and_a_new_community_gets_this_months(app, world, factory):
    run_job("party_day", DUE, app=app)
    tapo = factory.area("community", name="塔坡社区")
    run_job("party_day", DUE + timedelta(days=1), app=app)
    run_job("party_day", datetime(2027, 1, 6, 16, 5, tzinfo=UTC), app=app)

    by_month: dict = {}
    for name, _, month in _party_days(app):
        by_month.setdefault(month, []).append(name)
    assert by_month == {
        date(2026, 12, 1): ["红旗社区", "解放社区", "塔坡社区"],
        date(2027, 1, 1): ["红旗社区", "解放社区", "塔坡社区"],
    }
    with app.app_context():  # the unique (community, month) key, whoever else writes at once
        assert create_party_day(db.session.get(Area, tapo), date(2027, 1, 15)) is False
        db.session.rollback()
