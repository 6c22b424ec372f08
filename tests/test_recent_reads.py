"""Reads a worker answers from what it read a moment ago (server/core/worker_cache.py): the open pool,
never who a token belongs to. A second app on the same database plays a second web server worker."""

import pytest

from server.core import worker_cache
from tests.conftest import ApiClient, act, login

WINDOW = 2.0


@pytest.fixture
def clock(monkeypatch):
    """The steady clock the kept answers age by; ``clock.now += seconds`` moves it."""

    class Clock:
        now = 1000.0

    monkeypatch.setattr(worker_cache, "clock", lambda: Clock.now)
    return Clock


@pytest.fixture
def other_worker(make_app, clock):
    """as_other(api): the same person's token sent to a second worker."""
    other = make_app(RECENT_SECONDS=WINDOW).test_client()
    return lambda api: ApiClient(other, api.token)


def open_pool(api, world) -> list[int]:
    status, body = api.get("/api/v1/wishes", status="open", grid_id=world.grid.id, limit=20)
    assert status == 200, body
    return [item["id"] for item in body["items"]]


def test_a_claimed_wish_leaves_the_pool_at_once_where_it_was_claimed(world, wish_in, clock):
    wish = wish_in("open")
    assert open_pool(world.neighbour, world) == [wish["id"]]
    act(world.member, wish["id"], "claim")
    assert open_pool(world.neighbour, world) == []


def test_another_worker_shows_the_pool_as_it_read_it_for_at_most_the_window(world, wish_in, other_worker, clock):
    wish = wish_in("open")
    neighbour_elsewhere = other_worker(world.neighbour)
    assert open_pool(neighbour_elsewhere, world) == [wish["id"]]

    act(world.member, wish["id"], "claim")
    clock.now += WINDOW - 0.1
    assert open_pool(neighbour_elsewhere, world) == [wish["id"]], "kept for the window"
    status, body = other_worker(world.member2).post(f"/api/v1/wishes/{wish['id']}/claim")
    assert (status, body["error"]["code"]) == (409, "invalid_state"), "a write always reads afresh"

    clock.now += 0.2
    assert open_pool(neighbour_elsewhere, world) == []


def test_a_worker_keeps_the_pool_through_its_writes_elsewhere_than_wishes(world, wish_in, other_worker, clock):
    wish = wish_in("open")
    neighbour_elsewhere = other_worker(world.neighbour)
    assert open_pool(neighbour_elsewhere, world) == [wish["id"]]
    act(world.member, wish["id"], "claim")  # on the first worker

    # On the second worker the owner reads the claim's notice in the inbox: a write, but not
    # to a wish, so the pool page it kept stays kept for the window.
    owner_elsewhere = other_worker(world.resident)
    status, body = owner_elsewhere.post("/api/v1/notifications/read", {"all": True})
    assert status == 200 and body["marked"] >= 1, body
    assert open_pool(neighbour_elsewhere, world) == [wish["id"]]

    status, _ = other_worker(world.resident).post(f"/api/v1/wishes/{wish_in('open')['id']}/cancel")
    assert status == 200
    assert open_pool(neighbour_elsewhere, world) == [], "its own write to a wish empties it"


def test_the_kept_pool_is_the_same_page_for_every_caller(world, wish_in, clock):
    first, second = wish_in("open"), wish_in("open")
    wish_in("claimed")
    status, resident_view = world.resident.get("/api/v1/wishes", status="open", grid_id=world.grid.id, limit=1)
    assert status == 200
    assert [item["id"] for item in resident_view["items"]] == [second["id"]]
    # A grid worker asking the same thing gets the same page, masked the same, cursor and all.
    assert world.worker.get("/api/v1/wishes", status="open", grid_id=world.grid.id, limit=1) == (200, resident_view)
    status, rest = world.worker.get(
        "/api/v1/wishes", status="open", grid_id=world.grid.id, limit=1, cursor=resident_view["next_cursor"]
    )
    assert [item["id"] for item in rest["items"]] == [first["id"]]
    assert resident_view["items"][0]["contact_phone"] == "138****1234"


def test_a_logout_ends_reads_at_once_on_its_worker(world, clock):
    assert world.resident.get("/api/v1/me")[0] == 200
    assert world.resident.post("/api/v1/auth/logout")[0] == 204
    status, body = world.resident.get("/api/v1/me")
    assert (status, body["error"]["code"]) == (401, "token_revoked")


def test_a_logout_ends_another_workers_reads_and_writes_at_once(world, wish_in, other_worker, clock):
    wish = wish_in("open")
    member_elsewhere = other_worker(world.member)
    assert member_elsewhere.get("/api/v1/me")[0] == 200
    assert world.member.post("/api/v1/auth/logout")[0] == 204

    status, body = member_elsewhere.get("/api/v1/me")
    assert (status, body["error"]["code"]) == (401, "token_revoked"), "no copy of the user outlives the logout"
    status, body = member_elsewhere.post(f"/api/v1/wishes/{wish['id']}/claim")
    assert (status, body["error"]["code"]) == (401, "token_revoked")


def test_logging_in_again_elsewhere_is_not_refused_by_a_kept_older_token(world, client, other_worker, clock):
    resident_elsewhere = other_worker(world.resident)
    assert resident_elsewhere.get("/api/v1/me")[0] == 200
    assert world.resident.post("/api/v1/auth/logout")[0] == 204
    again = other_worker(login(client, "resident"))
    status, body = again.get("/api/v1/me")
    assert status == 200, body


def test_a_profile_change_shows_at_once_on_every_worker(world, other_worker, clock):
    resident_elsewhere = other_worker(world.resident)
    assert resident_elsewhere.get("/api/v1/me")[1]["nickname"] == "resident"
    response = world.resident.client.patch(
        "/api/v1/me", json={"nickname": "王阿姨"}, headers={"Authorization": f"Bearer {world.resident.token}"}
    )
    assert response.status_code == 200, response.get_json()
    assert world.resident.get("/api/v1/me")[1]["nickname"] == "王阿姨"
    assert resident_elsewhere.get("/api/v1/me")[1]["nickname"] == "王阿姨"


def test_without_a_window_every_read_is_fresh(world, wish_in, make_app, clock):
    wish = wish_in("open")
    fresh = ApiClient(make_app(RECENT_SECONDS=0).test_client(), world.neighbour.token)
    assert open_pool(fresh, world) == [wish["id"]]
    act(world.member, wish["id"], "claim")
    assert open_pool(fresh, world) == []


def test_a_revoked_grant_ends_another_workers_unmasked_reads_and_its_writes_at_once(
    world, wish_in, other_worker, clock
):
    wish = wish_in("open")
    status, grant = world.community_admin.post(
        "/api/v1/admin/grants", {"user_id": world.user_id("neighbour"), "role": "grid_worker", "area_id": world.grid.id}
    )
    assert status == 201, grant
    elsewhere = other_worker(world.neighbour)
    assert elsewhere.get(f"/api/v1/wishes/{wish['id']}")[1]["contact_phone"] == "13812341234"
    response = world.community_admin.client.delete(
        f"/api/v1/admin/grants/{grant['id']}", headers={"Authorization": f"Bearer {world.community_admin.token}"}
    )
    assert response.status_code == 204

    assert elsewhere.get(f"/api/v1/wishes/{wish['id']}")[1]["contact_phone"] == "138****1234"
    status, body = elsewhere.post(f"/api/v1/wishes/{wish['id']}/close", {"resolution": "duplicate"})
    assert status == 403, body


def test_a_granted_role_counts_on_another_workers_next_read(world, wish_in, other_worker, clock):
    wish = wish_in("open")
    elsewhere = other_worker(world.neighbour)
    assert elsewhere.get(f"/api/v1/wishes/{wish['id']}")[1]["contact_phone"] == "138****1234"
    status, grant = world.community_admin.post(
        "/api/v1/admin/grants", {"user_id": world.user_id("neighbour"), "role": "grid_worker", "area_id": world.grid.id}
    )
    assert status == 201, grant
    assert elsewhere.get(f"/api/v1/wishes/{wish['id']}")[1]["contact_phone"] == "13812341234"
