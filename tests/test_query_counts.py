"""The SQL statements each hot request sends: as many for a page of 20 rows as for 2 (a query
per row, an N+1, fails here), and exactly the number pinned below.

A pin is a decision, not a measurement to refresh: a change that means to add or remove a
statement on one of these paths updates its pin in the same commit and says why. Each failure
lists the statements sent, to read what changed.

The kept answers (server/core/worker_cache.py) are off, so every read reaches the database and the
counts do not depend on how fast the test runs. These tests commit, so that every statement is
sent as in a served request (a read request's on the primary without a transaction).
"""

import pytest

from server.core.extensions import db
from tests.conftest import VALID_WISH, act, login, post_wish
from tests.photos import uploaded

pytestmark = pytest.mark.commits

# Statements per request on (SQLite, PostgreSQL). Update deliberately (see above). An event that
# tells two people writes both notifications (and both outbox rows) in one INSERT on either.
PINNED = {
    "GET /wishes?status=open": (2, 2),
    "GET /wishes?mine=posted": (2, 2),
    "GET /wishes/{id}": (3, 3),
    "GET /notifications": (2, 2),
    "GET /me": (3, 3),
    "POST /wishes": (9, 9),
    "POST review": (7, 7),
    "POST claim": (7, 7),
    "POST assign": (10, 10),
    "POST release": (7, 7),
    "POST fulfil": (7, 7),
    "POST confirm": (8, 8),
    "POST dispute": (8, 8),
    "POST resolve": (8, 8),
    "POST close": (7, 7),
    "POST cancel": (5, 5),
    # The points store (issue 13).
    "GET /rewards": (3, 3),
    "GET /me/redemptions": (2, 2),
    "GET /redemptions": (2, 2),
    # The reward and the buyer's home grid; the stock taken; PostgreSQL locks the buyer's row
    # (SQLite has one writer); the balance; the redemption; its debit.
    "POST redeem": (6, 7),
}
DIALECTS = ("sqlite", "postgresql")


@pytest.fixture(autouse=True)
def every_read_reaches_the_database(app, monkeypatch):
    monkeypatch.setitem(app.config, "RECENT_SECONDS", 0)


@pytest.fixture
def counted(count_queries):
    """counted(request) -> (the answer's status and JSON, the statements the request sent)."""

    def run(request):
        with count_queries() as statements:
            answer = request()
        return answer, statements

    return run


def assert_pinned(app, name: str, statements) -> None:
    with app.app_context():
        pinned = PINNED[name][DIALECTS.index(db.engine.dialect.name)]
    assert len(statements) == pinned, f"{name}: {len(statements)} statements, {pinned} pinned:\n{statements}"


def test_the_open_feed_costs_the_same_for_20_rows_as_for_2(app, world, factory, counted):
    def feed():
        return world.neighbour.get("/api/v1/wishes", status="open", limit=20)

    owner, worker = world.user_id("resident"), world.user_id("worker")
    factory.wishes(2, owner, "open", worker_id=worker)
    (status, body), few = counted(feed)
    assert (status, len(body["items"])) == (200, 2)
    factory.wishes(18, owner, "open", worker_id=worker)
    (status, body), many = counted(feed)
    assert (status, len(body["items"])) == (200, 20)

    assert len(many) == len(few), f"{len(few)} statements for 2 rows, {len(many)} for 20:\n{many}"
    assert_pinned(app, "GET /wishes?status=open", many)


def test_my_posted_wishes_cost_the_same_for_20_rows_as_for_2(app, world, factory, counted):
    def mine():
        return world.resident.get("/api/v1/wishes", mine="posted", limit=20)

    owner, worker, member = world.user_id("resident"), world.user_id("worker"), world.user_id("member")
    statuses = ["pending_review", "open", "claimed", "fulfilled", "closed"]
    factory.wish(owner, "open", worker_id=worker)
    factory.wish(owner, "claimed", worker_id=worker, member_id=member)
    (status, body), few = counted(mine)
    assert (status, len(body["items"])) == (200, 2)
    for number in range(18):
        factory.wish(owner, statuses[number % len(statuses)], worker_id=worker, member_id=member)
    (status, body), many = counted(mine)
    assert (status, len(body["items"])) == (200, 20)

    assert len(many) == len(few), f"{len(few)} statements for 2 rows, {len(many)} for 20:\n{many}"
    assert_pinned(app, "GET /wishes?mine=posted", many)


def test_a_wish_costs_the_same_with_8_timeline_events_and_5_photos_as_with_2_and_1(app, world, counted):
    def detail(wish):
        return lambda: world.resident.get(f"/api/v1/wishes/{wish['id']}")

    short = post_wish(world.resident, photos=[uploaded(world.resident)["id"]])
    act(world.worker, short["id"], "review", {"decision": "approve"})
    long = post_wish(world.resident, photos=[uploaded(world.resident)["id"] for _ in range(3)])
    act(world.worker, long["id"], "review", {"decision": "approve"})
    for claimer, releaser in [(world.member, world.member), (world.member2, world.worker)]:
        act(claimer, long["id"], "claim")
        act(releaser, long["id"], "release")
    act(world.member, long["id"], "claim")
    act(
        world.member,
        long["id"],
        "fulfil",
        {"note": "已送到", "photos": [uploaded(world.member)["id"] for _ in range(2)]},
    )

    (status, body), few = counted(detail(short))
    assert (status, len(body["timeline"]), len(body["photos"])) == (200, 2, 1)
    (status, body), many = counted(detail(long))
    assert (status, len(body["timeline"]), len(body["photos"]) + len(body["fulfil_photos"])) == (200, 8, 5)

    assert len(many) == len(few), f"{len(few)} statements for the short wish, {len(many)} for the long one:\n{many}"
    assert_pinned(app, "GET /wishes/{id}", many)


def test_the_inbox_costs_the_same_for_20_notifications_as_for_2(app, world, factory, counted):
    def inbox():
        return world.resident.get("/api/v1/notifications", limit=20)

    owner, worker = world.user_id("resident"), world.user_id("worker")
    factory.wishes(2, owner, "open", worker_id=worker)  # each approval tells the owner
    (status, body), few = counted(inbox)
    assert (status, len(body["items"])) == (200, 2)
    factory.wishes(18, owner, "open", worker_id=worker)
    (status, body), many = counted(inbox)
    assert (status, len(body["items"])) == (200, 20)

    assert len(many) == len(few), f"{len(few)} statements for 2 rows, {len(many)} for 20:\n{many}"
    assert_pinned(app, "GET /notifications", many)


def test_me_costs_the_same_with_three_roles_as_with_one(app, client, world, factory, counted):
    grid, community = world.grid.id, world.community.id
    factory.user("one_role", home_grid_id=grid, party_member=grid)
    factory.user("three_roles", home_grid_id=grid, party_member=grid, grid_worker=world.other_grid.id, admin=community)
    one, three = login(client, "one_role"), login(client, "three_roles")

    (status, body), few = counted(lambda: one.get("/api/v1/me"))
    assert status == 200, body
    (status, body), many = counted(lambda: three.get("/api/v1/me"))
    assert status == 200, body

    assert len(many) == len(few), f"{len(few)} statements for one role, {len(many)} for three:\n{many}"
    assert_pinned(app, "GET /me", many)


def test_posting_a_wish_costs_what_is_pinned(app, world, counted):
    post_wish(world.resident)  # the first post fetches WeChat's token; later ones hold it in memory

    (status, body), statements = counted(lambda: world.resident.post("/api/v1/wishes", VALID_WISH))

    assert status == 201, body
    assert_pinned(app, "POST /wishes", statements)


# (pin, the status the wish starts in, who acts, action, body)
TRANSITIONS = [
    ("POST review", "pending_review", "worker", "review", {"decision": "approve"}),
    ("POST claim", "open", "member", "claim", None),
    ("POST assign", "open", "worker", "assign", "member2"),
    ("POST release", "claimed", "member", "release", None),
    ("POST fulfil", "claimed", "member", "fulfil", {"note": "已送到"}),
    ("POST confirm", "fulfilled", "resident", "confirm", {"stars": 5}),
    ("POST dispute", "fulfilled", "resident", "dispute", {"reason": "没有送到"}),
    ("POST resolve", "disputed", "worker", "resolve", {"outcome": "confirmed"}),
    ("POST close", "confirmed", "worker", "close", {"resolution": "completed"}),
    ("POST cancel", "open", "resident", "cancel", None),
]


@pytest.mark.parametrize(("pin", "start", "actor", "action", "body"), TRANSITIONS, ids=[t[3] for t in TRANSITIONS])
def test_each_transition_costs_what_is_pinned(app, world, wish_in, counted, pin, start, actor, action, body):
    wish = wish_in(start)
    if body == "member2":
        body = {"party_member_id": world.user_id("member2")}
    api = world.clients[actor]

    (status, answer), statements = counted(lambda: api.post(f"/api/v1/wishes/{wish['id']}/{action}", body))

    assert status == 200, answer
    assert_pinned(app, pin, statements)


def test_a_transition_costs_the_same_however_long_the_wishs_timeline(world, wish_in, counted):
    def claim(wish):
        return lambda: world.member.post(f"/api/v1/wishes/{wish['id']}/claim")

    fresh = wish_in("open")
    worn = wish_in("open")
    for _ in range(3):
        act(world.member2, worn["id"], "claim")
        act(world.member2, worn["id"], "release")

    (status, body), few = counted(claim(fresh))
    assert (status, len(body["timeline"])) == (200, 3)
    (status, body), many = counted(claim(worn))
    assert (status, len(body["timeline"])) == (200, 9)

    assert len(many) == len(few), f"{len(few)} statements after 2 events, {len(many)} after 8:\n{many}"


# -- the points store (issue 13) ----------------------------------------------------------------


def _shelve_and_sell(app, world, rewards: int, sold: int) -> None:
    """``rewards`` rewards on the community shelf, ``sold`` of them bought by the member."""
    from tests.test_store import RICE, give_points

    give_points(app, world.user_id("member"), 10 * rewards)
    for n in range(rewards):
        status, reward = world.worker.post(
            "/api/v1/rewards", {**RICE, "title": f"商品{n}", "price_points": 10, "area_id": world.community.id}
        )
        assert status == 201, reward
        if n < sold:
            status, body = world.member.post(f"/api/v1/rewards/{reward['id']}/redeem")
            assert status == 201, body


@pytest.mark.parametrize(
    ("pin", "who", "path", "params"),
    [
        ("GET /rewards", "resident", "/api/v1/rewards", {}),
        ("GET /me/redemptions", "member", "/api/v1/me/redemptions", {}),
        ("GET /redemptions", "worker", "/api/v1/redemptions", {}),
    ],
    ids=["rewards", "my_redemptions", "staff_redemptions"],
)
def test_each_store_list_costs_the_same_for_20_rows_as_for_2(app, world, counted, pin, who, path, params):
    def page():
        return world.clients[who].get(path, limit=20, **params)

    _shelve_and_sell(app, world, 2, 2)
    (status, body), few = counted(page)
    assert (status, len(body["items"])) == (200, 2), body
    _shelve_and_sell(app, world, 18, 18)
    (status, body), many = counted(page)
    assert (status, len(body["items"])) == (200, 20), body

    assert len(many) == len(few), f"{len(few)} statements for 2 rows, {len(many)} for 20:\n{many}"
    assert_pinned(app, pin, many)


def test_a_redemption_costs_what_is_pinned(app, world, counted):
    _shelve_and_sell(app, world, 2, 1)
    _, shelf = world.member.get("/api/v1/rewards")
    unsold = max(item["id"] for item in shelf["items"])

    (status, body), statements = counted(lambda: world.member.post(f"/api/v1/rewards/{unsold}/redeem"))

    assert status == 201, body
    assert_pinned(app, "POST redeem", statements)
