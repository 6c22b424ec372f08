"""The invariants of posts and pledges held by the database, over real HTTP at a
multi-threaded server: places within capacity, one post per member per community, a kept
pledge's points once."""

import requests
from sqlalchemy import func, select

from server.core.extensions import db
from server.points.models import PointEntry
from server.posts.models import PostHolder, ServicePost
from tests.conftest import login
from tests.test_claim_race import _fire_at_once

RACERS = 10


def _members(factory, client, world, count):
    openids = [f"post-racer-{n}" for n in range(count)]
    for openid in openids:
        factory.user(openid, home_grid_id=world.grid.id, party_member=world.grid.id)
    return [login(client, openid).token for openid in openids]


def _post(world, capacity, title="邻里守望岗"):
    body = {"community_id": world.community.id, "kind": "neighbourhood_watch", "title": title}
    status, post = world.community_admin.post("/api/v1/posts", {**body, "duties": "守望相助。", "capacity": capacity})
    assert status == 201, post
    return post


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_of_10_members_racing_for_3_places_exactly_3_hold_them(app, client, world, factory, live_server):
    post = _post(world, capacity=3)
    tokens = _members(factory, client, world, RACERS)
    url = f"{live_server}/api/v1/posts/{post['id']}/holders"

    responses = _fire_at_once([lambda t=t: requests.post(url, headers=_bearer(t), timeout=30) for t in tokens])

    assert sorted(r.status_code for r in responses) == [201] * 3 + [409] * (RACERS - 3)
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"post_full"}
    with app.app_context():
        assert db.session.get(ServicePost, post["id"]).held == 3
        assert db.session.scalar(select(func.count()).where(PostHolder.post_id == post["id"])) == 3


def test_one_member_racing_to_take_five_posts_of_a_community_holds_one(app, world, live_server):
    posts = [_post(world, capacity=2, title=f"岗位{n}") for n in range(5)]
    headers = _bearer(world.member.token)
    urls = [f"{live_server}/api/v1/posts/{post['id']}/holders" for post in posts]

    responses = _fire_at_once([lambda u=u: requests.post(u, headers=headers, timeout=30) for u in urls])

    assert sorted(r.status_code for r in responses) == [201] + [409] * 4
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"already_holding_post"}
    with app.app_context():
        assert sum(db.session.get(ServicePost, post["id"]).held for post in posts) == 1


def test_racing_assessments_of_a_pledge_award_its_points_once(app, world, live_server):
    status, pledge = world.member.post("/api/v1/pledges", {"text": "每月至少认领两个微心愿。"})
    assert status == 201, pledge
    url = f"{live_server}/api/v1/pledges/{pledge['id']}/assess"
    body = {"outcome": "kept", "note": "全年认领心愿十余个。"}
    callers = [world.worker, world.community_admin, world.district_admin] * 3

    responses = _fire_at_once(
        [lambda c=c: requests.post(url, json=body, headers=_bearer(c.token), timeout=30) for c in callers]
    )

    assert sorted(r.status_code for r in responses) == [200] + [409] * (len(callers) - 1)
    with app.app_context():
        entries = db.session.scalars(select(PointEntry).where(PointEntry.source == f"pledge:{pledge['id']}")).all()
        assert [(e.user_id, e.reason, e.delta) for e in entries] == [
            (world.user_id("member"), "pledge_kept", app.config["POINTS_PLEDGE_KEPT"])
        ]
