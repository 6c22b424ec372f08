"""Exactly one claimer, held by the database, over real HTTP at a multi-threaded server."""

import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from server.accounts.models import User
from server.accounts.operations import grant_role
from server.core.extensions import db
from server.wishes.models import Wish, WishEvent
from tests.conftest import act, login, post_wish

CLAIMERS = 21


def _party_members(app, world, count):
    with app.app_context():
        members = []
        for n in range(count):
            user = User(openid=f"racer-{n}", nickname=f"racer-{n}", home_grid_id=world.grid.id)
            db.session.add(user)
            db.session.flush()
            grant_role(user, "party_member", world.grid.id)
            members.append(user.openid)
        db.session.commit()
    return members


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _fire_at_once(requests_to_send):
    """Send every request from its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(requests_to_send))

    def send(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(requests_to_send)) as pool:
        return list(pool.map(send, requests_to_send))


def test_of_21_simultaneous_claims_exactly_one_wins_and_twenty_get_409(app, client, world, live_server):
    wish = post_wish(world.resident)
    act(world.worker, wish["id"], "review", {"decision": "approve"})
    tokens = [login(client, openid).token for openid in _party_members(app, world, CLAIMERS)]
    url = f"{live_server}/api/v1/wishes/{wish['id']}/claim"

    calls = [lambda token=token: requests.post(url, headers=_bearer(token), timeout=30) for token in tokens]
    responses = _fire_at_once(calls)

    assert_one_claimer_won(app, wish["id"], responses)


def assert_one_claimer_won(app, wish_id: int, responses) -> None:
    """One 200; every other claimer a 409 saying the wish is claimed; one claimer, one event."""
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [409] * (len(responses) - 1)
    for response in responses:
        if response.status_code == 409:
            assert response.json()["error"]["details"]["status"] == "claimed"
    winner = next(response.json() for response in responses if response.status_code == 200)
    with app.app_context():
        stored = db.session.get(Wish, wish_id)
        assert stored.status == "claimed"
        assert stored.claimer_id == winner["claimer"]["id"]
        claim_events = db.session.scalar(
            select(func.count()).where(WishEvent.wish_id == wish_id, WishEvent.action == "claim")
        )
        assert claim_events == 1


def test_simultaneous_confirms_award_the_points_once(app, world, wish_in, live_server):
    wish = wish_in("fulfilled")
    url = f"{live_server}/api/v1/wishes/{wish['id']}/confirm"
    headers = {"Authorization": f"Bearer {world.resident.token}"}

    responses = _fire_at_once(
        [lambda: requests.post(url, json={"stars": 5}, headers=headers, timeout=30) for _ in range(8)]
    )

    assert sorted(r.status_code for r in responses) == [200] + [409] * 7
    status, points = world.member.get("/api/v1/me/points")
    assert status == 200
    assert points["balance"] == 12
    assert sorted(entry["reason"] for entry in points["items"]) == ["five_star_bonus", "wish_confirmed"]
