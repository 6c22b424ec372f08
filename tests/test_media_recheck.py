"""The media_recheck job: a photo whose image check never came back is submitted again, on
its schedule, a bounded number of times, and its verdict then lands as usual."""

from datetime import timedelta

import pytest

from server.core import clock
from server.core.extensions import db
from server.jobs.runner import run_job
from server.uploads.models import Upload
from tests.photos import row, uploaded
from tests.test_wechat_push import deliver

MEDIA_CHECK = "/wxa/media_check_async"


@pytest.fixture(autouse=True)
def _photos(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://wish.example.cn")
    monkeypatch.setitem(app.config, "MEDIA_CHECK_RETRY_SECONDS", 300)
    monkeypatch.setitem(app.config, "MEDIA_CHECK_VERDICT_WAIT_SECONDS", 3600)
    monkeypatch.setitem(app.config, "MEDIA_CHECK_MAX_ATTEMPTS", 3)


def run(app, now) -> int:
    result = run_job("media_recheck", app=app, now=now)
    assert result.ok, result.outcome
    return result.rows_touched


def recheck(app, after_seconds: float) -> int:
    return run(app, clock.now() + timedelta(seconds=after_seconds))


def test_a_photo_uploaded_while_wechat_was_down_is_submitted_after_the_retry_wait(app, world, fake_wechat):
    fake_wechat.app.fail_next(MEDIA_CHECK, -1)
    photo = uploaded(world.resident)["id"]
    assert row(app, photo).trace_id is None

    assert recheck(app, 60) == 0  # too soon
    assert fake_wechat.app.media_checks == []
    assert recheck(app, 301) == 1

    (check,) = fake_wechat.app.media_checks
    assert check["media_url"].startswith("https://wish.example.cn/media/")
    assert check["openid"] == "resident"
    stored = row(app, photo)
    assert stored.trace_id == check["trace_id"]
    assert stored.check_attempts == 2
    assert recheck(app, 302) == 0  # submitted again now: it waits for the verdict


def test_the_verdict_of_a_resubmitted_check_lands_on_the_photo(app, world, client, fake_wechat, monkeypatch):
    monkeypatch.setattr(fake_wechat.app, "push_token", app.config["WECHAT_PUSH_TOKEN"])
    fake_wechat.app.fail_next(MEDIA_CHECK, -1)
    photo = uploaded(world.resident)["id"]
    recheck(app, 301)

    (check,) = fake_wechat.app.media_checks
    assert deliver(client, fake_wechat.app, check).status_code == 200
    assert row(app, photo).status == "pass"
    assert recheck(app, 10 * 3600) == 0  # checked: never sent again


def test_a_check_whose_verdict_never_came_is_sent_again_after_the_verdict_wait(app, world, fake_wechat):
    photo = uploaded(world.resident)["id"]
    (first,) = fake_wechat.app.media_checks

    assert recheck(app, 1800) == 0  # WeChat may still answer
    assert recheck(app, 3601) == 1
    assert len(fake_wechat.app.media_checks) == 2
    assert row(app, photo).trace_id == fake_wechat.app.media_checks[1]["trace_id"] != first["trace_id"]


def test_a_failed_resubmission_keeps_the_earlier_trace_and_counts_the_attempt(app, world, fake_wechat):
    photo = uploaded(world.resident)["id"]
    trace = row(app, photo).trace_id
    fake_wechat.app.fail_next(MEDIA_CHECK, 45009)

    assert recheck(app, 3601) == 1
    stored = row(app, photo)
    assert stored.trace_id == trace  # its verdict may still arrive
    assert stored.check_attempts == 2


def test_attempts_stop_at_the_limit(app, world, fake_wechat):
    fake_wechat.app.fail_next(MEDIA_CHECK, -1, times=10)
    photo = uploaded(world.resident)["id"]

    assert recheck(app, 301) == 1
    assert recheck(app, 602) == 1
    assert recheck(app, 10 * 3600) == 0  # three attempts in all
    assert row(app, photo).check_attempts == 3
    assert row(app, photo).status == "checking"


def test_a_second_run_at_the_same_moment_sends_nothing(app, world, fake_wechat):
    fake_wechat.app.fail_next(MEDIA_CHECK, -1, times=2)
    uploaded(world.resident)
    uploaded(world.resident)
    moment = clock.now() + timedelta(seconds=301)

    assert run(app, moment) == 2
    assert run(app, moment) == 0
    assert len(fake_wechat.app.media_checks) == 2
    with app.app_context():
        assert {upload.check_attempts for upload in db.session.scalars(db.select(Upload))} == {2}


def test_without_a_public_address_the_job_waits_instead_of_failing(app, world, fake_wechat, monkeypatch):
    fake_wechat.app.fail_next(MEDIA_CHECK, -1)
    uploaded(world.resident)
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "")

    assert recheck(app, 301) == 0
    assert fake_wechat.app.media_checks == []
