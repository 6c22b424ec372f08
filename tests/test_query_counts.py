"""The SQL statements each hot request sends: as many for a page of 20 rows as for 2 (a query
per row, an N+1, fails here), and exactly the number pinned below.

A pin is a decision, not a measurement to refresh: a change that means to add or remove a
statement on one of these paths updates its pin in the same commit and says why. Each failure
lists the statements sent, to read what changed.

The kept answers (server/core/worker_cache.py) are off, so every read reaches the database and the
counts do not depend on how fast the test runs. These tests commit, so that every statement is
sent as in a served request (a read request's on the primary without a transaction).
"""

import itertools

import pytest

from server.core.extensions import db
from tests.activities import members, publish
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
    # A transition answered to the claimer or a grid's staff shows them the contact unmasked,
    # and that view is recorded (+1: server/wishes/contacts.py, issue 15): review, claim,
    # assign, fulfil, resolve and close below; the owner's own actions record nothing.
    # Approving opens the wish: its response deadline is its community's window (+1: the
    # community's row, server/areas/rules.py; a community admin has it loaded with their grant).
    "POST review": (9, 9),
    # The claims the member holds, counted (+1); PostgreSQL locks the member to count them (+1).
    "POST claim": (9, 10),
    "POST assign": (11, 11),
    "POST release": (7, 7),
    "POST fulfil": (8, 8),
    # The monthly cap per resident and member: count the pair's month (+1); PostgreSQL locks the member (+1).
    "POST confirm": (9, 10),
    "POST dispute": (8, 8),
    "POST resolve": (10, 11),
    "POST close": (8, 8),
    "POST cancel": (5, 5),
    # Issue 13's lists: posts with their holders, a grid's pledges, a reader's notices.
    "GET /posts": (4, 4),
    "GET /pledges": (2, 2),
    "GET /announcements": (3, 3),
    # Volunteer activities (issue 13): each list row carries the caller's sign-up and the
    # waitlist's length in the one statement that reads it.
    "GET /activities": (3, 3),
    "GET /activities/{id}": (3, 3),
    "GET /me/volunteer-record": (2, 2),
    "POST signup": (5, 5),
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
    def feed():  # as the mini-program asks it, for a grid (without one: +1, the caller's district)
        return world.neighbour.get("/api/v1/wishes", status="open", grid_id=world.grid.id, limit=20)

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


# -- party identity, unit organisations, practical matters (issue 13) --------------------------

_SERIAL = itertools.count()


def _units(app, world, factory, count):
    from server.accounts.models import User
    from server.units import operations as units

    with app.app_context():
        worker = db.session.get(User, world.user_id("worker"))
        made = [
            units.register_unit(
                worker,
                community_id=world.community.id,
                name=f"单位{next(_SERIAL)}",
                kind="office",
                contact_name="联系人",
                contact_phone="13900001111",
            ).id
            for _ in range(count)
        ]
        db.session.commit()
    return made


def _applications(app, world, factory, count):
    from server.accounts.models import User
    from server.party import operations as party

    unit_id = _units(app, world, factory, 1)[0]
    with app.app_context():
        for _ in range(count):
            applicant = db.session.get(User, factory.user(home_grid_id=world.grid.id))
            party.apply(applicant, name="某某", branch="支部", work_unit_org_id=unit_id)
            db.session.commit()


def _decided_applications(app, world, factory, count):
    """``count`` decided applications of the resident (each rejected, then applied again)."""
    from server.accounts.models import User
    from server.party import operations as party

    with app.app_context():
        for _ in range(count):
            resident = db.session.get(User, world.user_id("resident"))
            application = party.apply(resident, name="某某", branch="支部")
            db.session.commit()
            worker = db.session.get(User, world.user_id("worker"))
            party.review(application, worker, decision="reject", reason="不符")
            db.session.commit()


def _matters(app, world, factory, count):
    from server.accounts.models import User
    from server.units import operations as units

    with app.app_context():
        worker = db.session.get(User, world.user_id("worker"))
        for n in range(count):
            units.create_matter(worker, community_id=world.community.id, title=f"实事{n}", description="内容")
        db.session.commit()


# (pin, who reads, path, how to add rows to it)
ISSUE_13_LISTS = [
    ("GET /party-memberships", "worker", "/api/v1/party-memberships", _applications),
    ("GET /me/party-membership", "resident", "/api/v1/me/party-membership", _decided_applications),
    ("GET /unit-organisations", "resident", "/api/v1/unit-organisations", _units),
    ("GET /unit-organisations/figures", "worker", "/api/v1/unit-organisations/figures", _units),
    ("GET /practical-matters", "resident", "/api/v1/practical-matters", _matters),
]
PINNED.update(
    {
        "GET /party-memberships": (2, 2),
        "GET /me/party-membership": (2, 2),
        # Without area_id, the caller's own district (+1: areas/queries.py own_district).
        "GET /unit-organisations": (3, 3),
        "GET /unit-organisations/figures": (2, 2),
        "GET /practical-matters": (2, 2),
    }
)


@pytest.mark.parametrize(("pin", "reader", "path", "add"), ISSUE_13_LISTS, ids=[row[0] for row in ISSUE_13_LISTS])
def test_each_issue_13_list_costs_the_same_for_20_rows_as_for_2(app, world, factory, counted, pin, reader, path, add):
    api = world.clients[reader]
    params = {} if path.startswith("/api/v1/me/") else {"limit": 20}  # a person's own history is not paged

    def rows(body):
        return len(body["history"] if "history" in body else body["items"])

    add(app, world, factory, 2)
    (status, body), few = counted(lambda: api.get(path, **params))
    assert (status, rows(body)) == (200, 2), body
    add(app, world, factory, 18)
    (status, body), many = counted(lambda: api.get(path, **params))
    assert (status, rows(body)) == (200, 20), body

    assert len(many) == len(few), f"{len(few)} statements for 2 rows, {len(many)} for 20:\n{many}"
    assert_pinned(app, pin, many)


# -- issue 13: service posts, pledges, announcements -----------------------------------------


def _same_for_2_and_20(app, name, counted, request, make):
    """``request`` answers 2 rows after ``make(2)`` and 20 after ``make(18)`` more, in as many
    statements, the number pinned."""
    make(2)
    (status, body), few = counted(request)
    assert (status, len(body["items"])) == (200, 2), body
    make(18)
    (status, body), many = counted(request)
    assert (status, len(body["items"])) == (200, 20), body
    assert len(many) == len(few), f"{len(few)} statements for 2 rows, {len(many)} for 20:\n{many}"
    assert_pinned(app, name, many)


def test_the_posts_of_a_community_with_their_holders_cost_the_same_for_20_as_for_2(app, client, world, counted):
    def make(count):
        for _ in range(count):
            body = {"community_id": world.community.id, "kind": "care", "title": "关爱帮扶岗", "duties": "走访。"}
            status, post = world.community_admin.post("/api/v1/posts", {**body, "capacity": 3})
            assert status == 201, post
            for name in ("member", "member2"):
                world.community_admin.post(f"/api/v1/posts/{post['id']}/holders", {"member_id": world.user_id(name)})

    _same_for_2_and_20(app, "GET /posts", counted, lambda: world.resident.get("/api/v1/posts", limit=20), make)


def test_a_grids_pledges_cost_the_same_for_20_as_for_2(app, client, world, factory, counted):
    made = []

    def make(count):
        for _ in range(count):
            openid = f"pledger-{len(made)}"
            factory.user(openid, home_grid_id=world.grid.id, party_member=world.grid.id)
            status, pledge = login(client, openid).post("/api/v1/pledges", {"text": "每月认领两个微心愿。"})
            assert status == 201, pledge
            made.append(pledge)
            if len(made) % 2:
                world.worker.post(f"/api/v1/pledges/{pledge['id']}/assess", {"outcome": "kept", "note": "做到了。"})

    _same_for_2_and_20(app, "GET /pledges", counted, lambda: world.resident.get("/api/v1/pledges", limit=20), make)


def test_a_staff_members_notices_with_read_counts_cost_the_same_for_20_as_for_2(app, world, counted):
    def make(count):
        for n in range(count):
            body = {"title": "通知", "body": "内容。", "area_id": world.grid.id, "pinned": n % 3 == 0}
            status, notice = world.worker.post("/api/v1/announcements", body)
            assert status == 201, notice
            world.resident.post(f"/api/v1/announcements/{notice['id']}/read")

    _same_for_2_and_20(
        app, "GET /announcements", counted, lambda: world.worker.get("/api/v1/announcements", limit=20), make
    )


def test_the_activity_list_costs_the_same_for_20_rows_as_for_2(app, client, world, factory, counted):
    def listed():
        return world.member.get("/api/v1/activities", area_id=world.community.id, limit=20)

    for _ in range(2):
        activity = publish(world.worker, world.grid.id, capacity=1)
        world.member.post(f"/api/v1/activities/{activity['id']}/signup")
    (status, body), few = counted(listed)
    assert (status, len(body["items"])) == (200, 2)
    others = members(client, factory, world.grid.id, 2)
    for _ in range(18):
        activity = publish(world.worker, world.grid.id, capacity=1)
        for api in (world.member, *others):  # a place held and two waiting
            api.post(f"/api/v1/activities/{activity['id']}/signup")
    (status, body), many = counted(listed)
    assert (status, len(body["items"])) == (200, 20)
    assert body["items"][-1]["my_signup"]["status"] == "signed_up"

    assert len(many) == len(few), f"{len(few)} statements for 2 rows, {len(many)} for 20:\n{many}"
    assert_pinned(app, "GET /activities", many)


def test_an_activity_with_the_callers_place_on_the_waitlist_costs_what_is_pinned(app, world, counted):
    activity = publish(world.worker, world.grid.id, capacity=1)
    world.member.post(f"/api/v1/activities/{activity['id']}/signup")
    world.member2.post(f"/api/v1/activities/{activity['id']}/signup")

    (status, body), statements = counted(lambda: world.member2.get(f"/api/v1/activities/{activity['id']}"))

    assert (status, body["my_signup"]["waitlist_position"]) == (200, 1)
    assert_pinned(app, "GET /activities/{id}", statements)


def test_signing_up_costs_what_is_pinned(app, world, counted):
    activity = publish(world.worker, world.grid.id)

    (status, body), statements = counted(lambda: world.member.post(f"/api/v1/activities/{activity['id']}/signup"))

    assert (status, body["status"]) == (201, "signed_up")
    assert_pinned(app, "POST signup", statements)


def test_the_volunteer_record_costs_the_same_for_5_activities_as_for_1(app, world, factory, counted):
    from datetime import timedelta

    from sqlalchemy import update

    from server.activities.models import Activity
    from server.core import clock

    def record():
        return world.member.get("/api/v1/me/volunteer-record")

    def serve_in_one():
        activity = publish(world.worker, world.grid.id, starts_in=timedelta(minutes=10))
        world.member.post(f"/api/v1/activities/{activity['id']}/signup")
        world.member.post(f"/api/v1/activities/{activity['id']}/checkin", {"code": activity["checkin_code"]})
        with app.app_context():
            began = clock.now() - timedelta(minutes=5)
            db.session.execute(
                update(Activity)
                .where(Activity.id == activity["id"])
                .values(starts_at=began, ends_at=began + timedelta(hours=1))
            )
            db.session.commit()
        assert world.worker.post(f"/api/v1/activities/{activity['id']}/complete")[0] == 200

    serve_in_one()
    (status, body), few = counted(record)
    assert (status, body["activities"]) == (200, 1)
    for _ in range(4):
        serve_in_one()
    (status, body), many = counted(record)
    assert (status, body["activities"]) == (200, 5)

    assert len(many) == len(few), f"{len(few)} statements for 1 activity, {len(many)} for 5:\n{many}"
    assert_pinned(app, "GET /me/volunteer-record", many)


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
