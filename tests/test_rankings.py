"""The leaderboard by member, grid and unit organisation: points earned in the period decide
the rank (equal points share it), volunteer hours come with each row and order ties, and the
viewer's own row comes with the page even when it lies below it."""

from datetime import UTC, datetime, timedelta

from server.core.extensions import db
from server.points.operations import award
from tests.activities import credit
from tests.conftest import login
from tests.test_units import _member_of, _register

LEADERBOARD = "/api/v1/leaderboard"
LAST_WEEK = datetime.now(UTC) - timedelta(days=7)


def _give(app, user_id: int, points: int, source: str) -> None:
    with app.app_context():
        assert award(user_id, points, "wish_confirmed", source)
        db.session.commit()


def _board(api, **params):
    status, body = api.get(LEADERBOARD, **params)
    assert status == 200, body
    return body


def test_members_with_equal_points_share_a_rank_and_are_listed_by_hours(app, world, monkeypatch):
    _give(app, world.user_id("member"), 12, "wish:1")
    _give(app, world.user_id("member2"), 12, "wish:2")
    # member2 volunteers an hour (2 points an hour): 14 points; member then earns 2 more by hand.
    credit(monkeypatch, world.worker, [world.member2], LAST_WEEK, hours=1, area_id=world.grid.id)
    _give(app, world.user_id("member"), 2, "wish:3")

    body = _board(world.resident, area_id=world.grid.id, period="all")

    rows = [(row["rank"], row["user_id"], row["points"], row["hours"]) for row in body["items"]]
    assert rows == [(1, world.user_id("member2"), 14, 1.0), (1, world.user_id("member"), 14, 0.0)]
    assert body["me"] is None, "a resident is not on the members' board"


def test_the_viewers_own_row_comes_with_the_page_when_it_lies_below_it(app, world):
    _give(app, world.user_id("member2"), 30, "wish:1")
    _give(app, world.user_id("member"), 5, "wish:2")

    body = _board(world.member, area_id=world.grid.id, period="all", limit=1)

    assert [row["user_id"] for row in body["items"]] == [world.user_id("member2")]
    assert (body["me"]["rank"], body["me"]["user_id"], body["me"]["points"]) == (2, world.user_id("member"), 5)


def test_grids_are_ranked_by_their_verified_members_points_and_hours(app, world, factory, client, monkeypatch):
    neighbour_member = factory.user("grid2-member", home_grid_id=world.other_grid.id, party_member=world.other_grid.id)
    _give(app, world.user_id("member"), 10, "wish:1")
    _give(app, world.user_id("member2"), 5, "wish:2")
    _give(app, neighbour_member, 18, "wish:3")
    _give(app, world.user_id("pending_member"), 100, "wish:4")  # not verified: counts for no grid
    credit(monkeypatch, world.worker, [world.member], LAST_WEEK, hours=2, area_id=world.grid.id)

    body = _board(world.member, area_id=world.community.id, period="all", by="grid")

    rows = [(row["rank"], row["grid_id"], row["name"], row["points"], row["hours"]) for row in body["items"]]
    assert rows == [
        (1, world.grid.id, "红旗社区第1网格", 10 + 5 + 4, 2.0),
        (2, world.other_grid.id, "红旗社区第2网格", 18, 0.0),
    ]
    assert body["me"]["grid_id"] == world.grid.id


def test_units_are_ranked_by_their_reported_members_and_the_viewer_sees_their_own_unit(app, client, world, factory):
    hospital = _register(world.worker, world.community.id, name="区人民医院党委", kind="hospital")
    school = _register(world.worker, world.community.id, name="耀州中学党总支", kind="school")
    for openid, unit in [("doctor", hospital), ("teacher", school), ("headmaster", school)]:
        factory.user(openid, home_grid_id=world.grid.id)
        _member_of(world, login(client, openid), unit["id"])
    doctor, teacher, headmaster = (login(client, name) for name in ("doctor", "teacher", "headmaster"))
    _give(app, doctor.get("/api/v1/me")[1]["id"], 25, "wish:1")
    _give(app, teacher.get("/api/v1/me")[1]["id"], 10, "wish:2")
    _give(app, headmaster.get("/api/v1/me")[1]["id"], 10, "wish:3")

    body = _board(teacher, area_id=world.community.id, period="all", by="unit")

    rows = [(row["rank"], row["unit_id"], row["name"], row["points"]) for row in body["items"]]
    assert rows == [(1, hospital["id"], "区人民医院党委", 25), (2, school["id"], "耀州中学党总支", 20)]
    assert (body["me"]["unit_id"], body["me"]["rank"]) == (school["id"], 2)


def test_a_board_of_another_kind_is_refused_naming_the_parameter(world):
    status, body = world.member.get(LEADERBOARD, by="street")
    assert status == 422
    assert "by" in body["error"]["details"]
