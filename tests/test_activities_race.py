"""Places and credits held by the database, over real HTTP at a multi-threaded server."""

from datetime import timedelta

import requests
from sqlalchemy import func, select

from server.activities.models import Activity, Signup
from server.core import clock
from server.core.extensions import db
from server.points.models import PointEntry
from tests.activities import members, publish
from tests.test_claim_race import _bearer, _fire_at_once

RACERS = 10
PLACES = 3


def test_of_10_simultaneous_sign_ups_for_3_places_exactly_3_hold_one_and_7_wait(
    app, client, world, factory, live_server
):
    activity = publish(world.worker, world.grid.id, capacity=PLACES)
    racers = members(client, factory, world.grid.id, RACERS, prefix="racer")
    url = f"{live_server}/api/v1/activities/{activity['id']}/signup"

    responses = _fire_at_once(
        [lambda token=api.token: requests.post(url, headers=_bearer(token), timeout=30) for api in racers]
    )

    assert [response.status_code for response in responses] == [201] * RACERS
    statuses = sorted(response.json()["status"] for response in responses)
    assert statuses == ["signed_up"] * PLACES + ["waitlisted"] * (RACERS - PLACES)
    with app.app_context():
        assert db.session.get(Activity, activity["id"]).held == PLACES
        held = db.session.scalar(
            select(func.count()).where(Signup.activity_id == activity["id"], Signup.status == "signed_up")
        )
        assert held == PLACES


def test_simultaneous_withdrawals_each_move_up_a_different_member_and_keep_the_places_full(
    app, client, world, factory, live_server
):
    activity = publish(world.worker, world.grid.id, capacity=PLACES)
    racers = members(client, factory, world.grid.id, PLACES + 4, prefix="racer")
    for api in racers:
        api.post(f"/api/v1/activities/{activity['id']}/signup")
    url = f"{live_server}/api/v1/activities/{activity['id']}/signup"

    responses = _fire_at_once(
        [lambda token=api.token: requests.delete(url, headers=_bearer(token), timeout=30) for api in racers[:PLACES]]
    )

    assert [response.status_code for response in responses] == [200] * PLACES
    with app.app_context():
        rows = db.session.execute(
            select(Signup.user_id, Signup.status).where(Signup.activity_id == activity["id"]).order_by(Signup.id)
        ).all()
        assert [status for _, status in rows] == ["cancelled"] * PLACES + ["signed_up"] * PLACES + ["waitlisted"]
        assert db.session.get(Activity, activity["id"]).held == PLACES


def test_simultaneous_completions_credit_the_hours_and_points_once(app, client, world, factory, live_server):
    activity = publish(world.worker, world.grid.id, capacity=PLACES, starts_in=timedelta(minutes=20))
    racers = members(client, factory, world.grid.id, PLACES, prefix="racer")
    for api in racers:
        api.post(f"/api/v1/activities/{activity['id']}/signup")
        assert api.post(f"/api/v1/activities/{activity['id']}/checkin", {"code": activity["checkin_code"]})[0] == 200
    with app.app_context():  # it began a moment ago
        stored = db.session.get(Activity, activity["id"])
        earlier = stored.starts_at - (clock.now() - timedelta(minutes=1))
        stored.starts_at, stored.ends_at = stored.starts_at - earlier, stored.ends_at - earlier
        db.session.commit()
    url = f"{live_server}/api/v1/activities/{activity['id']}/complete"
    organisers = [world.worker.token] * 4 + [world.community_admin.token] * 4

    responses = _fire_at_once(
        [lambda token=token: requests.post(url, headers=_bearer(token), timeout=30) for token in organisers]
    )

    assert sorted(response.status_code for response in responses) == [200] + [409] * 7
    with app.app_context():
        entries = db.session.execute(
            select(PointEntry.user_id, PointEntry.delta).where(PointEntry.source == f"activity:{activity['id']}")
        ).all()
        assert sorted(delta for _, delta in entries) == [4] * PLACES  # 2 hours at 2 points, each once
        assert len({user_id for user_id, _ in entries}) == PLACES


def test_one_members_simultaneous_sign_ups_make_one_sign_up_holding_one_place(app, world, live_server):
    activity = publish(world.worker, world.grid.id, capacity=PLACES)
    url = f"{live_server}/api/v1/activities/{activity['id']}/signup"

    responses = _fire_at_once(
        [lambda: requests.post(url, headers=_bearer(world.member.token), timeout=30) for _ in range(6)]
    )

    assert sorted(response.status_code for response in responses) == [200] * 5 + [201]
    assert len({response.json()["id"] for response in responses}) == 1
    with app.app_context():
        assert db.session.get(Activity, activity["id"]).held == 1
        assert db.session.scalar(select(func.count()).where(Signup.activity_id == activity["id"])) == 1
