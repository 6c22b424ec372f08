"""The scheduler process: APScheduler fires every job of the registry on its schedule, and a
job runs only while this process holds the database lease.

Never started by create_app (web workers must not schedule): production runs
``flask scheduler``; ``make run`` starts one in a daemon thread beside the dev server.
Every scheduler keeps trying the lease, so a second one takes over when the first dies.

The lease is renewed by a thread of its own, never by a job: a long run (the daily rollup
catching up after an outage) must not let it lapse while it works, or a standby would take
over beside it. Every run first confirms the lease with the database, so a scheduler that lost
it starts nothing more.
"""

import logging
import threading
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from server.core import clock
from server.core.extensions import db
from server.jobs import registry
from server.jobs.lease import Lease, make_lease
from server.jobs.models import JobStatus
from server.jobs.runner import run_job, set_next_run

log = logging.getLogger(__name__)

CATCH_UP_JOB_ID = "_catch_up"


class JobScheduler:
    def __init__(self, app: Flask, *, jobs: tuple[registry.Job, ...] | None = None, lease: Lease | None = None):
        self.app = app
        self.jobs = registry.JOBS if jobs is None else jobs
        self.lease = lease or make_lease(app)
        self._aps = BackgroundScheduler(timezone=clock.SHANGHAI)
        # Our runner logs every run; APScheduler's own per-run INFO lines would double them.
        aps_log = logging.getLogger("apscheduler")
        if aps_log.level == logging.NOTSET:
            aps_log.setLevel(logging.WARNING)
        self._stopping = threading.Event()
        self._renewal = threading.Thread(target=self._keep_the_lease, name="scheduler-lease", daemon=True)
        # A job runs once at a time in this process too (its schedule and a catch-up may meet).
        self._running: set[str] = set()
        self._running_lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> "JobScheduler":
        interval = self.app.config["JOB_INTERVAL_SECONDS"]
        for job in self.jobs:
            if job.is_calendar:
                trigger = CronTrigger(**job.cron_fields(), timezone=clock.SHANGHAI)
            else:
                trigger = IntervalTrigger(seconds=interval, timezone=clock.SHANGHAI)
            # One instance at a time; runs missed while this process was busy collapse into one.
            self._aps.add_job(
                self._fire, trigger, args=[job.id], id=job.id, max_instances=1, coalesce=True, misfire_grace_time=None
            )
        self._aps.start()
        self._renewal.start()
        log.info("scheduler %s started with %d jobs", self.lease.holder, len(self.jobs))
        return self

    def stop(self, *, release: bool = True) -> None:
        # The lease is renewed until the running jobs have finished, so none outlives it.
        self._aps.shutdown(wait=True)
        self._stopping.set()
        self._renewal.join()
        if release and self.lease.held():
            self.lease.release()
        log.info("scheduler %s stopped", self.lease.holder)

    # -- the lease thread ----------------------------------------------------------------------

    def _keep_the_lease(self) -> None:
        while True:
            try:
                self._renew()
            except Exception:
                log.exception("scheduler %s: lease renewal failed", self.lease.holder)
            if self._stopping.wait(self.lease.renew_every):
                return

    def _renew(self) -> None:
        was_held = self.lease.held()
        holding = self.lease.acquire()
        if holding and not was_held:
            log.info("scheduler %s now holds the lease; running jobs", self.lease.holder)
            self._announce_next_runs()
            # A job of its own, so it runs beside the renewal instead of holding it up. (Safe
            # here, outside every job: shutdown() holds the job store while jobs finish.)
            self._aps.add_job(self._catch_up, id=CATCH_UP_JOB_ID, replace_existing=True, misfire_grace_time=None)
        elif was_held and not holding:
            log.warning("scheduler %s lost the lease; waiting", self.lease.holder)

    # -- what APScheduler calls --------------------------------------------------------------

    def _fire(self, job_id: str) -> None:
        # No APScheduler calls in here (get_job and the like): its shutdown() holds the job-store
        # lock while it waits for running jobs, so a job asking it anything deadlocks the stop.
        # The runner works the next run out from the job's own schedule.
        with self._running_lock:
            if job_id in self._running:
                return
            self._running.add(job_id)
        try:
            if self._still_holds_the_lease():
                run_job(job_id, app=self.app)
        finally:
            with self._running_lock:
                self._running.discard(job_id)

    def _still_holds_the_lease(self) -> bool:
        if not self.lease.held():
            return False
        try:
            return self.lease.confirm()
        except Exception:
            log.exception("scheduler %s: could not confirm the lease; not running", self.lease.holder)
            return False

    # -- on taking the lease -----------------------------------------------------------------

    def _announce_next_runs(self) -> None:
        now = clock.now()
        interval = self.app.config["JOB_INTERVAL_SECONDS"]
        with self.app.app_context():
            for job in self.jobs:
                set_next_run(job.id, job.next_run_after(now, interval))

    def _catch_up(self) -> None:
        """A calendar job whose last due time passed while no scheduler ran runs once now."""
        for job in missed_calendar_jobs(self.app, self.jobs):
            log.info("catching up calendar job %s missed while no scheduler ran", job.id)
            self._fire(job.id)


def missed_calendar_jobs(app: Flask, jobs, now: datetime | None = None) -> list[registry.Job]:
    """Calendar jobs whose most recent due time is after their last start, or that never ran.

    A job that never ran runs on the first start too: the dashboards then have their rollups
    on the day a district installs Micro-Wish, not the morning after."""
    now = now or clock.now()
    missed = []
    with app.app_context():
        for job in jobs:
            if not job.is_calendar:
                continue
            status = db.session.get(JobStatus, job.id)
            started = status.last_started_at if status is not None else None
            if started is None or started < job.last_due_at(now):
                missed.append(job)
        db.session.rollback()
    return missed


def run_forever(app: Flask, stop_event: threading.Event | None = None) -> None:
    """`flask scheduler`: run until interrupted (Ctrl-C or SIGTERM), then give the lease back."""
    import signal

    stop_event = stop_event or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop_event.set())
    scheduler = JobScheduler(app).start()
    try:
        while not stop_event.wait(timedelta(seconds=1).total_seconds()):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.stop()


def start_in_background(app: Flask) -> JobScheduler:
    """`make run`: the scheduler in this process's background threads; on a normal exit
    (Ctrl-C) it gives the lease back so the next start need not wait for it to expire."""
    import atexit

    scheduler = JobScheduler(app).start()
    atexit.register(scheduler.stop)
    return scheduler
