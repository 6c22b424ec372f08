"""The job framework (issue 4): the registry, the runner's status rows, the admin view, the
scheduler lease and its hand-over, and the CLI."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from datetime import time as wall_clock
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from flask import current_app
from sqlalchemy import text, update

from server.core import clock
from server.core.extensions import db
from server.jobs import registry
from server.jobs.lease import AdvisoryLease, RowLease, current_holder, make_lease
from server.jobs.models import JobStatus, SchedulerLease
from server.jobs.runner import run_job
from server.jobs.scheduler import JobScheduler, missed_calendar_jobs

ROOT = Path(__file__).resolve().parent.parent

# Jobs take their lease on a connection of their own (server/jobs/lease.py).
pytestmark = pytest.mark.commits

_calls: list[datetime] = []


def counting_job(now):
    _calls.append(now)
    return 3


def slow_job(now):
    _calls.append(now)
    time.sleep(1)
    return 1


def failing_job(now):
    _calls.append(now)
    raise RuntimeError("boom")


# Runs of the two-scheduler test: (the app that ran it, job id, start, end) in monotonic seconds.
_runs: list[tuple] = []
_long_job_started = threading.Event()
# A catch-up held well past its lease (2 s): a standby taking over would have time to run a job.
LONG_JOB_SECONDS = 5


def _record_run(job_id: str, seconds: float) -> None:
    started = time.monotonic()
    time.sleep(seconds)
    _runs.append((current_app._get_current_object(), job_id, started, time.monotonic()))


def long_job(now):
    _long_job_started.set()
    _record_run("long_daily", LONG_JOB_SECONDS)
    return 1


def quick_job(now):
    _record_run("quick", 0)
    return 1


_held_job_started = threading.Event()
_held_job_may_finish = threading.Event()


def held_job(now):
    _calls.append(now)
    _held_job_started.set()
    _held_job_may_finish.wait(timeout=10)
    return 1


def _status(app, job_id):
    with app.app_context():
        row = db.session.get(JobStatus, job_id)
        db.session.expunge_all()
        return row


@pytest.fixture
def extra_jobs(monkeypatch):
    """Two test jobs registered beside the real ones."""
    _calls.clear()
    jobs = (
        registry.Job("count", f"{__name__}.counting_job"),
        registry.Job("fail", f"{__name__}.failing_job"),
    )
    monkeypatch.setattr(registry, "JOBS", (*registry.JOBS, *jobs))
    return jobs


def test_registry_lists_every_job_of_issue_4_once_with_stable_ids():
    assert registry.ids() == [
        "review_overdue",
        "unclaimed_escalation",
        "claim_reminder",
        "claim_timeout",
        "auto_confirm",
        "media_recheck",
        "outbox_send",
        "stats_rollup",
        "idempotency_purge",
        "party_day",
        "contact_purge",
    ]
    assert registry.get("stats_rollup").at.strftime("%H:%M") == "00:10"


def test_daily_job_is_due_at_ten_past_midnight_shanghai():
    job = registry.get("stats_rollup")
    # 2026-03-01 15:00 UTC is 23:00 in Shanghai: next due 00:10 on 03-02 (16:10 UTC on 03-01).
    moment = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
    assert job.next_run_after(moment, 60) == datetime(2026, 3, 1, 16, 10, tzinfo=UTC)
    assert job.last_due_at(moment) == datetime(2026, 2, 28, 16, 10, tzinfo=UTC)


PARTY_DAY = registry.Job("party_day", f"{__name__}.counting_job", at=wall_clock(9, 0), first_weekday=3)


@pytest.mark.parametrize(
    ("shanghai_now", "last_due", "next_due"),
    [
        # 2026-11: the 1st is a Sunday, the first Thursday the 5th; December's is the 3rd.
        ("2026-11-05 08:59", "2026-10-01 09:00", "2026-11-05 09:00"),
        ("2026-11-05 09:00", "2026-11-05 09:00", "2026-12-03 09:00"),
        ("2026-11-25 12:00", "2026-11-05 09:00", "2026-12-03 09:00"),
        # across the year: 2027-01-07 is January's first Thursday
        ("2026-12-31 23:59", "2026-12-03 09:00", "2027-01-07 09:00"),
        # a month whose 1st is a Thursday (2027-04-01)
        ("2027-04-01 10:00", "2027-04-01 09:00", "2027-05-06 09:00"),
    ],
)
def test_the_party_day_calendar_is_the_first_thursday_of_the_month_in_shanghai(shanghai_now, last_due, next_due):
    def shanghai(text):
        return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=clock.SHANGHAI).astimezone(UTC)

    now = shanghai(shanghai_now)
    assert PARTY_DAY.last_due_at(now) == shanghai(last_due)
    assert PARTY_DAY.next_run_after(now, 60) == shanghai(next_due)
    # APScheduler, which fires the job, agrees with the catch-up arithmetic.
    trigger = CronTrigger(**PARTY_DAY.cron_fields(), timezone=clock.SHANGHAI)
    assert trigger.get_next_fire_time(None, clock.to_shanghai(now) + timedelta(microseconds=1)) == shanghai(next_due)
    assert PARTY_DAY.schedule() == "monthly, first thu 09:00 Asia/Shanghai"
    assert PARTY_DAY.schedule_zh() == "每月第一个星期四 09:00（北京时间）"


def test_a_monthly_job_missed_while_down_runs_once_on_return(app):
    now = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
    with app.app_context():
        db.session.add(JobStatus(job_id="party_day", last_started_at=datetime(2026, 10, 1, 1, 0, tzinfo=UTC)))
        db.session.commit()
    assert missed_calendar_jobs(app, (PARTY_DAY,), now) == [PARTY_DAY]  # November's (the 5th) was missed
    with app.app_context():
        db.session.get(JobStatus, "party_day").last_started_at = datetime(2026, 11, 5, 1, 0, 1, tzinfo=UTC)
        db.session.commit()
    assert missed_calendar_jobs(app, (PARTY_DAY,), now) == []


def test_run_job_records_start_finish_outcome_rows_and_next_run(app, extra_jobs):
    frozen = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
    result = run_job("count", frozen, app=app)
    assert result.ok and result.rows_touched == 3
    assert _calls == [frozen]  # the job sweeps for the moment it was given
    row = _status(app, "count")
    assert row.last_outcome == "ok" and row.rows_touched == 3
    assert row.last_started_at <= row.last_finished_at < row.next_run_at
    assert row.next_run_at - row.last_finished_at == timedelta(seconds=app.config["JOB_INTERVAL_SECONDS"])


def test_a_failing_job_records_the_error_rolls_back_and_runs_again(app, extra_jobs, monkeypatch):
    result = run_job("fail", app=app)
    assert result.outcome == "error: RuntimeError: boom"
    row = _status(app, "fail")
    assert row.last_outcome == "error: RuntimeError: boom" and row.rows_touched is None
    assert row.next_run_at is not None

    # Under the scheduler the next run still happens after the error.
    monkeypatch.setitem(app.config, "JOB_INTERVAL_SECONDS", 1)
    _calls.clear()
    scheduler = JobScheduler(app, jobs=(registry.get("fail"),), lease=make_lease(app, seconds=30)).start()
    try:
        _wait_for(lambda: len(_calls) >= 2, timeout=10)
    finally:
        scheduler.stop()
    assert _status(app, "fail").last_outcome.startswith("error:")
    assert current_holder(app) is None  # a clean stop gives the lease back


def test_a_job_whose_function_is_missing_is_recorded_unavailable(app, monkeypatch):
    monkeypatch.setattr(registry, "JOBS", (registry.Job("ghost", "server.no_such_module.ghost"),))
    result = run_job("ghost", app=app)
    assert result.outcome.startswith("unavailable:")
    assert not registry.get("ghost").available()


def test_outbox_send_counts_the_rows_it_touched(app):
    result = run_job("outbox_send", app=app)
    assert result.ok and result.rows_touched == 0


def test_admin_sees_every_job_with_times_in_shanghai(app, world, extra_jobs):
    run_job("count", app=app)
    status, body = world.district_admin.get("/api/v1/admin/jobs")
    assert status == 200, body
    by_id = {item["id"]: item for item in body["items"]}
    assert set(registry.ids()) == set(by_id)
    count = by_id["count"]
    assert count["last_outcome"] == "ok" and count["rows_touched"] == 3
    assert count["last_started_at"].endswith("+08:00") and count["next_run_at"].endswith("+08:00")
    assert by_id["stats_rollup"]["last_started_at"] is None


@pytest.mark.parametrize("who", ["resident", "member", "worker"])
def test_non_admins_get_403_on_the_jobs_list(world, who):
    status, body = world.clients[who].get("/api/v1/admin/jobs")
    assert status == 403 and body["error"]["code"] == "admin_required"


def test_jobs_list_needs_a_login(client):
    assert client.get("/api/v1/admin/jobs").status_code == 401


def test_only_one_lease_holder_until_it_stops_renewing(app):
    start = clock.now()
    first, second = RowLease(app, holder="first", seconds=30), RowLease(app, holder="second", seconds=30)
    assert first.acquire(start)
    assert not second.acquire(start + timedelta(seconds=1))
    assert first.acquire(start + timedelta(seconds=10))  # renewal: expiry moves on
    assert not second.acquire(start + timedelta(seconds=35))
    assert second.acquire(start + timedelta(seconds=41))  # first stopped renewing at +10
    assert not first.acquire(start + timedelta(seconds=42))


def test_a_released_lease_is_free_at_once(app):
    first, second = RowLease(app, holder="first", seconds=30), RowLease(app, holder="second", seconds=30)
    assert first.acquire()
    first.release()
    assert second.acquire()


def _on_postgresql(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def test_the_lease_follows_the_database(app):
    expected = AdvisoryLease if _on_postgresql(app) else RowLease
    assert isinstance(make_lease(app), expected)


def test_advisory_lease_one_holder_and_free_when_its_connection_dies(app):
    """PostgreSQL only: the advisory lock is a PostgreSQL feature (SQLite uses the row lease)."""
    if not _on_postgresql(app):
        pytest.skip("pg_try_advisory_lock exists only on PostgreSQL; SQLite uses the row lease")
    first, second = AdvisoryLease(app, holder="first:1:a"), AdvisoryLease(app, holder="second:2:b")
    try:
        assert first.acquire()
        assert first.acquire()  # renewal keeps it
        assert not second.acquire()
        assert current_holder(app) == "first:1:a"
        with app.app_context():  # the first scheduler's connection dies (crash, network)
            db.session.execute(
                db.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'first:1:a'")
            )
            db.session.commit()
        _wait_for(lambda: second.acquire(), timeout=5)
        assert current_holder(app) == "second:2:b"
        with pytest.raises(Exception):  # noqa: B017 (the driver's error for a killed connection)
            first.acquire()
        assert not first.held()
        assert not first.acquire()  # a new connection, but the lock is taken
    finally:
        first.release()
        second.release()
    assert current_holder(app) is None


def test_missed_daily_job_runs_once_on_restart(app):
    job = registry.get("stats_rollup")
    now = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)  # 12:00 Shanghai on 03-03
    assert missed_calendar_jobs(app, (job,), now) == [job]  # never ran: the first start runs it
    with app.app_context():
        db.session.add(JobStatus(job_id=job.id, last_started_at=now - timedelta(days=2)))
        db.session.commit()
    assert missed_calendar_jobs(app, (job,), now) == [job]
    with app.app_context():
        db.session.get(JobStatus, job.id).last_started_at = job.last_due_at(now) + timedelta(seconds=1)
        db.session.commit()
    assert missed_calendar_jobs(app, (job,), now) == []


def test_a_scheduler_taking_the_lease_runs_the_missed_rollup_once(app):
    job = registry.get("stats_rollup")
    with app.app_context():
        db.session.add(JobStatus(job_id=job.id, last_started_at=clock.now() - timedelta(days=2)))
        db.session.commit()
    scheduler = JobScheduler(app, jobs=(job,), lease=make_lease(app, seconds=30)).start()
    try:
        _wait_for(lambda: _status(app, job.id).last_finished_at is not None, timeout=10)
        ran_at = _status(app, job.id).last_started_at
        assert _status(app, job.id).last_outcome == "ok"
        time.sleep(1)
        assert _status(app, job.id).last_started_at == ran_at  # once, not at every renewal
    finally:
        scheduler.stop()
    assert missed_calendar_jobs(app, (job,)) == []  # the next start has nothing to catch up


def test_stopping_while_catch_up_jobs_run_finishes_them_and_returns(app, monkeypatch):
    """SIGTERM during the catch-up at start: stop() waits for the running job, the next one
    still runs, and stop returns (APScheduler's shutdown holds its lock meanwhile)."""
    _calls.clear()
    jobs = (
        registry.Job("slow_daily", f"{__name__}.slow_job", at=wall_clock(0, 10)),
        registry.Job("quick_daily", f"{__name__}.counting_job", at=wall_clock(0, 20)),
    )
    monkeypatch.setattr(registry, "JOBS", (*registry.JOBS, *jobs))
    scheduler = JobScheduler(app, jobs=jobs, lease=make_lease(app, seconds=30)).start()
    _wait_for(lambda: _calls, timeout=10)  # the slow one is running
    stopper = threading.Thread(target=scheduler.stop)
    stopper.start()
    stopper.join(timeout=15)
    assert not stopper.is_alive(), "stop() hung"
    assert _status(app, "quick_daily").last_outcome == "ok"
    assert _status(app, "slow_daily").rows_touched == 1


def test_a_catch_up_held_past_the_lease_leaves_one_scheduler_running_jobs(make_app, monkeypatch):
    """The lease is renewed while a long catch-up runs, so a standby never takes over and runs
    jobs beside it."""
    _runs.clear()
    _long_job_started.clear()
    jobs = (
        registry.Job("long_daily", f"{__name__}.long_job", at=wall_clock(0, 10)),
        registry.Job("quick", f"{__name__}.quick_job"),
    )
    monkeypatch.setattr(registry, "JOBS", (*registry.JOBS, *jobs))
    first_app, second_app = make_app(JOB_INTERVAL_SECONDS=1), make_app(JOB_INTERVAL_SECONDS=1)
    first = JobScheduler(first_app, jobs=jobs, lease=make_lease(first_app, seconds=2)).start()
    second = None
    try:
        _wait_for(_long_job_started.is_set, timeout=10)  # the first holds the lease and catches up
        second = JobScheduler(second_app, jobs=jobs, lease=make_lease(second_app, seconds=2)).start()
        _wait_for(lambda: any(job_id == "long_daily" for _, job_id, _, _ in _runs), timeout=LONG_JOB_SECONDS + 10)
        holder_after_catch_up = current_holder(first_app)
    finally:
        for scheduler in (second, first):
            if scheduler is not None:
                scheduler.stop()

    side_by_side = [
        (one[1], other[1])
        for one in _runs
        for other in _runs
        if one[0] is first_app and other[0] is second_app and one[2] <= other[3] and other[2] <= one[3]
    ]
    assert side_by_side == []
    assert holder_after_catch_up == first.lease.holder
    assert {job_id for runner, job_id, _, _ in _runs if runner is first_app} == {"long_daily", "quick"}


def _give_the_lease_to_another(app, lease) -> AdvisoryLease | None:
    """What a lapsed lease or a dropped connection lets happen: another scheduler holds it now."""
    if not _on_postgresql(app):
        with app.app_context():
            db.session.execute(
                update(SchedulerLease).values(holder="other:0:x", expires_at=clock.now() + timedelta(seconds=60))
            )
            db.session.commit()
        return None
    with app.app_context():
        db.session.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :holder"),
            {"holder": lease.holder[:63]},
        )
        db.session.commit()
    other = AdvisoryLease(app, holder="other:0:x")
    _wait_for(other.acquire, timeout=5)
    return other


def test_a_scheduler_whose_lease_went_to_another_starts_no_further_catch_up_run(app, monkeypatch):
    _calls.clear()
    _held_job_started.clear()
    _held_job_may_finish.clear()
    jobs = (
        registry.Job("held_daily", f"{__name__}.held_job", at=wall_clock(0, 10)),
        registry.Job("next_daily", f"{__name__}.counting_job", at=wall_clock(0, 20)),
    )
    monkeypatch.setattr(registry, "JOBS", (*registry.JOBS, *jobs))
    scheduler = JobScheduler(app, jobs=jobs, lease=make_lease(app, seconds=30)).start()
    other = None
    try:
        _wait_for(_held_job_started.is_set, timeout=10)
        other = _give_the_lease_to_another(app, scheduler.lease)
        _held_job_may_finish.set()
    finally:
        _held_job_may_finish.set()
        scheduler.stop()  # waits for the catch-up to end
        holder = current_holder(app)
        if other is not None:
            other.release()

    assert _status(app, "held_daily").last_outcome == "ok"
    assert _status(app, "next_daily").last_started_at is None  # the lease was no longer ours
    assert len(_calls) == 1
    assert holder == "other:0:x"


def test_cli_runs_one_job_and_prints_rows_touched(app):
    result = app.test_cli_runner().invoke(args=["jobs", "run", "outbox_send"])
    assert result.exit_code == 0, result.output
    assert "outbox_send: rows_touched=0" in result.output
    assert _status(app, "outbox_send").last_outcome == "ok"


def test_cli_refuses_an_unknown_job(app):
    result = app.test_cli_runner().invoke(args=["jobs", "run", "no_such_job"])
    assert result.exit_code != 0


def test_second_scheduler_process_takes_over_when_the_first_is_killed(app, tmp_path):
    """Two `flask scheduler` processes on one database: one holds the lease; kill it and the
    other takes over once the lease expires."""
    env = {
        **os.environ,
        "MICROWISH_ENV": "testing",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "FLASK_JOB_LEASE_SECONDS": "2",
        "FLASK_JOB_INTERVAL_SECONDS": "3600",  # the lease is under test, not the jobs
        "FLASK_WECHAT_API_BASE": '"' + app.config["WECHAT_API_BASE"] + '"',
    }
    command = [sys.executable, "-m", "flask", "--app", "server.app:create_app", "scheduler"]
    processes = []

    def start():
        log = open(tmp_path / f"scheduler{len(processes)}.log", "w")  # noqa: SIM115 (closed with the test)
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        processes.append(process)
        return process

    try:
        first = start()
        _wait_for(lambda: _holder_pid(app) == first.pid, timeout=20)
        second = start()
        time.sleep(4)  # two lease lengths: the second keeps trying and keeps failing
        assert _holder_pid(app) == first.pid
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_at = time.monotonic()
        _wait_for(lambda: _holder_pid(app) == second.pid, timeout=15)
        assert time.monotonic() - killed_at < 60
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _holder_pid(app):
    holder = current_holder(app)
    return int(holder.split(":")[1]) if holder else None


def _wait_for(condition, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")
