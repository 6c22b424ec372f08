"""Stock and balance never below zero, held by the database, over real HTTP at a
multi-threaded server (both databases)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from server.core.extensions import db
from server.points import queries as points
from server.points.models import PointEntry
from server.store.models import Redemption, Reward
from tests.conftest import login
from tests.test_store import RICE, give_points


def _fire_at_once(calls):
    """Each call from its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def send(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(send, calls))


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _shelve(world, **overrides) -> int:
    status, body = world.worker.post("/api/v1/rewards", {**RICE, "area_id": world.community.id, **overrides})
    assert status == 201, body
    return body["id"]


def test_ten_members_racing_for_three_items_make_exactly_three_redemptions(app, client, world, factory, live_server):
    reward_id = _shelve(world, price_points=10, stock=3)
    members = [factory.user(f"racer-{n}", home_grid_id=world.grid.id) for n in range(10)]
    for member in members:
        give_points(app, member, 50)
    tokens = [login(client, f"racer-{n}").token for n in range(10)]
    url = f"{live_server}/api/v1/rewards/{reward_id}/redeem"

    responses = _fire_at_once([lambda t=token: requests.post(url, headers=_bearer(t), timeout=30) for token in tokens])

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] * 3 + [409] * 7, [response.text for response in responses]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"out_of_stock"}
    with app.app_context():
        assert db.session.get(Reward, reward_id).stock == 0
        sold = db.session.scalars(select(Redemption.user_id).where(Redemption.reward_id == reward_id)).all()
        assert len(sold) == 3
        balances = {member: points.balance(member) for member in members}
        assert sorted(balances.values()) == [40] * 3 + [50] * 7
        assert {member for member, left in balances.items() if left == 40} == set(sold)


@pytest.mark.parametrize("rewards", [1, 6], ids=["one_reward", "six_rewards"])
def test_one_member_racing_their_own_balance_gets_exactly_one_redemption(app, world, live_server, rewards):
    reward_ids = [_shelve(world, title=f"服务券{n}", price_points=10, stock=10) for n in range(rewards)]
    member = world.user_id("member")
    give_points(app, member, 15)  # enough for one
    urls = [f"{live_server}/api/v1/rewards/{reward_ids[n % rewards]}/redeem" for n in range(6)]

    responses = _fire_at_once(
        [lambda url=url: requests.post(url, headers=_bearer(world.member.token), timeout=30) for url in urls]
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 5, [response.text for response in responses]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"insufficient_points"}
    with app.app_context():
        assert points.balance(member) == 5
        ledger_sum = db.session.scalar(select(func.sum(PointEntry.delta)).where(PointEntry.user_id == member))
        assert ledger_sum == 5
        assert db.session.scalar(select(func.count()).select_from(Redemption)) == 1
        assert sum(db.session.get(Reward, reward_id).stock for reward_id in reward_ids) == 10 * rewards - 1


def test_simultaneous_verifies_and_cancels_of_one_redemption_let_exactly_one_through(app, world, live_server):
    reward_id = _shelve(world, price_points=10, stock=1)
    give_points(app, world.user_id("member"), 10)
    status, bought = world.member.post(f"/api/v1/rewards/{reward_id}/redeem")
    assert status == 201, bought
    base = f"{live_server}/api/v1/redemptions/{bought['id']}"
    verify = [
        lambda: requests.post(
            f"{base}/verify", json={"code": bought["code"]}, headers=_bearer(world.worker.token), timeout=30
        )
    ] * 4
    cancel = [lambda: requests.post(f"{base}/cancel", headers=_bearer(world.member.token), timeout=30)] * 4

    responses = _fire_at_once(verify + cancel)

    assert sorted(response.status_code for response in responses) == [200] + [409] * 7
    winner = next(response.json() for response in responses if response.status_code == 200)
    with app.app_context():
        refunded = 10 if winner["status"] == "cancelled" else 0
        assert points.balance(world.user_id("member")) == refunded
        assert db.session.get(Reward, reward_id).stock == (1 if refunded else 0)
