"""Idempotency-Key: a retried POST replays the first answer and creates nothing new."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from server.core import clock
from server.core.extensions import db
from server.idempotency import tasks
from server.idempotency.models import IdempotencyRecord
from server.jobs.runner import run_job
from server.settings import ConfigError
from server.wishes.models import Wish
from tests.conftest import VALID_WISH, settings_from


def _count_wishes(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Wish))


def test_the_same_key_replays_the_first_answer_and_creates_one_wish(app, world):
    headers = {"Idempotency-Key": "post-1"}
    first = world.resident.client.post(
        "/api/v1/wishes", json=VALID_WISH, headers={**world.resident._headers(None), **headers}
    )
    again = world.resident.client.post(
        "/api/v1/wishes", json=VALID_WISH, headers={**world.resident._headers(None), **headers}
    )

    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count_wishes(app) == 1


def test_the_same_key_with_a_different_body_is_refused(app, world):
    headers = {"Idempotency-Key": "post-2"}
    status, _ = world.resident.post("/api/v1/wishes", VALID_WISH, headers=headers)
    assert status == 201

    status, body = world.resident.post("/api/v1/wishes", {**VALID_WISH, "title": "另一件事"}, headers=headers)

    assert status == 422
    assert body["error"]["code"] == "idempotency_key_reused"
    assert _count_wishes(app) == 1


def test_keys_belong_to_one_user(app, world):
    headers = {"Idempotency-Key": "shared-key"}
    assert world.resident.post("/api/v1/wishes", VALID_WISH, headers=headers)[0] == 201
    assert world.neighbour.post("/api/v1/wishes", VALID_WISH, headers=headers)[0] == 201
    assert _count_wishes(app) == 2


def test_a_retried_confirm_replays_success_instead_of_409(world, wish_in):
    wish = wish_in("fulfilled")
    headers = {"Idempotency-Key": "confirm-once"}
    first = world.resident.post(f"/api/v1/wishes/{wish['id']}/confirm", {"stars": 5}, headers=headers)
    retry = world.resident.post(f"/api/v1/wishes/{wish['id']}/confirm", {"stars": 5}, headers=headers)

    assert first == retry
    assert first[0] == 200
    assert world.member.get("/api/v1/me/points")[1]["balance"] == 12


def test_a_failed_request_is_not_remembered(app, world):
    headers = {"Idempotency-Key": "fix-and-retry"}
    status, _ = world.resident.post("/api/v1/wishes", {**VALID_WISH, "contact_phone": "123"}, headers=headers)
    assert status == 422
    status, _ = world.resident.post("/api/v1/wishes", VALID_WISH, headers=headers)
    assert status == 201


@pytest.mark.parametrize("key", ["k" * 129, "with space", "中文"])
def test_a_malformed_key_is_refused(app, world, key):
    status, body = world.resident.post("/api/v1/wishes", VALID_WISH, headers={"Idempotency-Key": key})
    assert status == 422
    assert "Idempotency-Key" in body["error"]["details"]
    assert _count_wishes(app) == 0


@pytest.mark.commits  # threads, each on a connection of its own
def test_simultaneous_retries_with_one_key_create_one_wish(app, world):
    headers = {**world.resident._headers(None), "Idempotency-Key": "racing"}
    barrier = threading.Barrier(6)
    answers = []

    def send():
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/wishes", json=VALID_WISH, headers=headers)
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert {status for status, _ in answers} == {201}
    assert len({body["id"] for _, body in answers}) == 1
    assert _count_wishes(app) == 1


def _post_with_key(person, key: str):
    return person.client.post("/api/v1/wishes", json=VALID_WISH, headers=person._headers({"Idempotency-Key": key}))


def _remembered_keys(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(IdempotencyRecord.key)))


def _remembered_before_the_window(app, *keys: str) -> None:
    """As if these answers were remembered one second more than the retention window ago."""
    moment = clock.now() - timedelta(seconds=app.config["IDEMPOTENCY_RETENTION_SECONDS"] + 1)
    with app.app_context():
        db.session.execute(update(IdempotencyRecord).where(IdempotencyRecord.key.in_(keys)).values(created_at=moment))
        db.session.commit()


def test_the_purge_removes_answers_older_than_the_window_and_keeps_fresh_ones(app, world):
    for key in ("yesterday-1", "yesterday-2", "just-now"):
        assert _post_with_key(world.resident, key).status_code == 201
    _remembered_before_the_window(app, "yesterday-1", "yesterday-2")

    result = run_job("idempotency_purge", app=app)

    assert result.ok and result.rows_touched == 2
    assert _remembered_keys(app) == {"just-now"}
    assert _post_with_key(world.resident, "just-now").headers["Idempotent-Replayed"] == "true"


def test_a_key_sent_again_after_its_answer_was_purged_creates_a_new_wish(app, world):
    first = _post_with_key(world.resident, "sent-yesterday")
    _remembered_before_the_window(app, "sent-yesterday")
    run_job("idempotency_purge", app=app)

    again = _post_with_key(world.resident, "sent-yesterday")

    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert again.get_json()["id"] != first.get_json()["id"]
    assert _count_wishes(app) == 2
    assert _remembered_keys(app) == {"sent-yesterday"}  # remembered afresh


def test_the_purge_works_in_batches_and_keeps_the_batches_it_committed(app, world, monkeypatch):
    monkeypatch.setattr(tasks, "BATCH_SIZE", 2)
    keys = [f"old-{n}" for n in range(5)]
    for key in keys:
        _post_with_key(world.resident, key)
    _remembered_before_the_window(app, *keys)
    real_delete = tasks.delete
    batches = []

    def delete_failing_in_the_third_batch(*args):
        batches.append(args)
        if len(batches) == 3:
            raise RuntimeError("数据库连接中断")
        return real_delete(*args)

    monkeypatch.setattr(tasks, "delete", delete_failing_in_the_third_batch)
    assert run_job("idempotency_purge", app=app).outcome.startswith("error: RuntimeError")
    assert len(_remembered_keys(app)) == 1  # two batches of two were committed before it failed

    monkeypatch.setattr(tasks, "delete", real_delete)
    assert run_job("idempotency_purge", app=app).rows_touched == 1
    assert run_job("idempotency_purge", app=app).rows_touched == 0


def test_answers_are_kept_a_day_unless_configured_and_never_less_than_a_minute():
    assert settings_from()["IDEMPOTENCY_RETENTION_SECONDS"] == 24 * 3600
    assert settings_from(FLASK_IDEMPOTENCY_RETENTION_SECONDS="3600")["IDEMPOTENCY_RETENTION_SECONDS"] == 3600
    with pytest.raises(ConfigError, match="IDEMPOTENCY_RETENTION_SECONDS"):
        settings_from(FLASK_IDEMPOTENCY_RETENTION_SECONDS="10")
