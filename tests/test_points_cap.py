"""Against farming the rankings: of the wishes one resident confirms for one party member in a
Shanghai month, POINTS_SAME_PAIR_MONTHLY_CAP (2) earn points; the rest stay in the ledger at 0."""

from datetime import timedelta

import requests
from sqlalchemy import select, update

from server.core import clock
from server.core.extensions import db
from server.points.models import PointEntry
from server.wishes.models import Wish
from tests.conftest import PATHS, act, post_wish
from tests.test_claim_race import _fire_at_once


def _entries(app, wish_id: int) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(PointEntry.reason, PointEntry.delta).where(PointEntry.source == f"wish:{wish_id}")
        ).all()
    return dict(rows)


def _confirmed_by(world, poster: str) -> dict:
    wish = post_wish(world.clients[poster])
    for name, action, body in PATHS["confirmed"]:
        wish = act(world.clients[poster if name == "resident" else name], wish["id"], action, body)
    return wish


def test_the_third_wish_of_one_resident_for_one_member_in_a_month_is_recorded_at_zero_points(app, world):
    first, second, third = (_confirmed_by(world, "resident") for _ in range(3))

    assert _entries(app, first["id"]) == {"wish_confirmed": 10, "five_star_bonus": 2}
    assert _entries(app, second["id"]) == {"wish_confirmed": 10, "five_star_bonus": 2}
    assert _entries(app, third["id"]) == {"wish_confirmed": 0, "five_star_bonus": 0}
    status, body = world.member.get("/api/v1/me/points")
    assert status == 200
    assert body["balance"] == 24
    assert len(body["items"]) == 6, "the capped wish is still on the member's record"


def test_the_cap_is_per_pair_so_another_residents_wish_still_earns(app, world):
    for _ in range(2):
        _confirmed_by(world, "resident")

    neighbours = _confirmed_by(world, "neighbour")

    assert _entries(app, neighbours["id"]) == {"wish_confirmed": 10, "five_star_bonus": 2}


def test_confirmations_of_an_earlier_month_do_not_count_towards_this_months_cap(app, world):
    earlier = [_confirmed_by(world, "resident") for _ in range(2)]
    with app.app_context():
        last_month = clock.shanghai_day_start(clock.shanghai_today().replace(day=1)) - timedelta(days=3)
        db.session.execute(
            update(Wish).where(Wish.id.in_([wish["id"] for wish in earlier])).values(confirmed_at=last_month)
        )
        db.session.commit()

    this_month = _confirmed_by(world, "resident")

    assert _entries(app, this_month["id"]) == {"wish_confirmed": 10, "five_star_bonus": 2}


def test_a_cap_of_zero_records_every_confirmation_at_zero_points(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "POINTS_SAME_PAIR_MONTHLY_CAP", 0)

    wish = _confirmed_by(world, "resident")

    assert _entries(app, wish["id"]) == {"wish_confirmed": 0, "five_star_bonus": 0}


def test_two_confirmations_for_one_member_at_once_leave_the_pair_at_the_cap(app, world, live_server):
    """One wish already earned this month; two more confirmed at the same moment: one earns, one is 0."""
    _confirmed_by(world, "resident")
    racing = []
    for _ in range(2):
        wish = post_wish(world.resident)
        for name, action, body in PATHS["fulfilled"]:
            wish = act(world.clients[name], wish["id"], action, body)
        racing.append(wish["id"])
    headers = {"Authorization": f"Bearer {world.resident.token}"}
    calls = [
        lambda wish_id=wish_id: requests.post(
            f"{live_server}/api/v1/wishes/{wish_id}/confirm", json={"stars": 4}, headers=headers, timeout=30
        )
        for wish_id in racing
    ]

    responses = _fire_at_once(calls)

    assert [response.status_code for response in responses] == [200, 200]
    earned = sorted(_entries(app, wish_id)["wish_confirmed"] for wish_id in racing)
    assert earned == [0, 10]
