"""Idempotency-Key: a retried POST replays the first answer and creates nothing new."""

import threading

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.wishes.models import Wish
from tests.conftest import VALID_WISH


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
