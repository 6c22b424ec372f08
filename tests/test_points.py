"""The points ledger (one entry per user, reason and source; a balance is a sum) and the
leaderboard of verified party members per area subtree and period."""

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update

from server.accounts.models import User
from server.accounts.operations import grant_role
from server.core import clock
from server.core.extensions import db
from server.points.models import PointEntry
from server.points.operations import award
from tests.conftest import act

LEADERBOARD = "/api/v1/leaderboard"


def entry_count(app, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(PointEntry)
        for name, value in where.items():
            query = query.where(getattr(PointEntry, name) == value)
        return db.session.scalar(query)


def give(app, user_id: int, delta: int, source: str, when: datetime | None = None, reason="wish_confirmed"):
    """Award through the ledger operation, then (for the test) date the entry ``when``."""
    with app.app_context():
        assert award(user_id, delta, reason, source)
        if when is not None:
            db.session.execute(
                update(PointEntry)
                .where(PointEntry.user_id == user_id, PointEntry.reason == reason, PointEntry.source == source)
                .values(created_at=when)
            )
        db.session.commit()


# -- the ledger ----------------------------------------------------------------------------


def test_awarding_the_same_source_twice_writes_one_entry(app, world):
    member = world.user_id("member")
    with app.app_context():
        assert award(member, 10, "wish_confirmed", "wish:7") is True
        db.session.commit()
        assert award(member, 10, "wish_confirmed", "wish:7") is False
        db.session.commit()

    assert entry_count(app, user_id=member) == 1
    status, body = world.member.get("/api/v1/me/points")
    assert status == 200
    assert body["balance"] == 10
    assert len(body["items"]) == 1


def test_the_same_source_may_earn_different_reasons_and_different_people(app, world):
    member, member2 = world.user_id("member"), world.user_id("member2")
    with app.app_context():
        assert award(member, 10, "wish_confirmed", "wish:7")
        assert award(member, 2, "five_star_bonus", "wish:7")
        assert award(member, 10, "wish_confirmed", "wish:8")
        assert award(member2, 10, "wish_confirmed", "wish:7")
        db.session.commit()

    assert entry_count(app, user_id=member) == 3
    assert entry_count(app, user_id=member2) == 1


@pytest.mark.commits  # threads, each on a connection of its own
def test_concurrent_awards_for_one_source_write_exactly_one_entry(app, world):
    member = world.user_id("member")
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    results, errors = [], []

    def worker():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                written = award(member, 10, "wish_confirmed", "wish:race")
                db.session.commit()
                results.append(written)
        except Exception as exc:  # reported below: a failed award is a failure of the test
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(results) == [False] * (threads_count - 1) + [True]
    assert entry_count(app, user_id=member, source="wish:race") == 1
    status, body = world.member.get("/api/v1/me/points")
    assert status == 200
    assert body["balance"] == 10


def test_my_points_show_the_balance_as_the_sum_and_the_entries_newest_first(app, world, wish_in):
    # a confirmed 5-star wish earns the claimer +10 and +2 …
    wish = wish_in("confirmed")
    assert wish["stars"] == 5
    # … and a claim that timed out on another wish costs 2
    give(app, world.user_id("member"), -2, "wish:999", reason="claim_timeout")

    status, body = world.member.get("/api/v1/me/points")

    assert status == 200
    # 10 + 2 − 2
    assert body["balance"] == 10
    assert [(item["reason"], item["delta"], item["source"]) for item in body["items"]] == [
        ("claim_timeout", -2, "wish:999"),
        ("five_star_bonus", 2, f"wish:{wish['id']}"),
        ("wish_confirmed", 10, f"wish:{wish['id']}"),
    ]
    assert [item["reason_name"] for item in body["items"]] == ["认领超时未完成", "五星好评奖励", "完成微心愿"]
    assert body["next_cursor"] is None
    # the same balance as on the profile
    assert world.member.get("/api/v1/me")[1]["points_balance"] == 10


def test_my_points_show_only_my_own_entries(app, world, wish_in):
    wish_in("confirmed")  # member earns 12

    status, body = world.member2.get("/api/v1/me/points")

    assert status == 200
    assert body == {"balance": 0, "items": [], "next_cursor": None}


def test_my_points_times_are_shanghai_times(app, world):
    give(app, world.user_id("member"), 10, "wish:1", when=datetime(2026, 3, 31, 17, 0, tzinfo=UTC))

    item = world.member.get("/api/v1/me/points")[1]["items"][0]

    assert datetime.fromisoformat(item["created_at"]) == datetime(2026, 3, 31, 17, 0, tzinfo=UTC)
    assert item["created_at"].startswith("2026-04-01T01:00:00")
    assert item["created_at"].endswith("+08:00")


def test_my_points_need_a_login(client, world):
    assert client.get("/api/v1/me/points").status_code == 401


# -- the leaderboard -----------------------------------------------------------------------

# "Now" is fixed at noon on 2026-06-15 in Shanghai: this month began at 2026-05-31T16:00Z and
# this year at 2025-12-31T16:00Z.
FROZEN_NOW = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)
THIS_MONTH = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)
FIRST_MOMENT_OF_MONTH = datetime(2026, 5, 31, 16, 0, tzinfo=UTC)  # 2026-06-01 00:00 in Shanghai
LAST_MOMENT_OF_MAY = datetime(2026, 5, 31, 15, 59, 59, tzinfo=UTC)  # 2026-05-31 23:59:59 in Shanghai
EARLIER_THIS_YEAR = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
FIRST_MOMENT_OF_YEAR = datetime(2025, 12, 31, 16, 0, tzinfo=UTC)  # 2026-01-01 00:00 in Shanghai
LAST_YEAR = datetime(2025, 12, 31, 15, 59, tzinfo=UTC)  # 2025-12-31 23:59 in Shanghai


@pytest.fixture
def frozen_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: FROZEN_NOW)
    return FROZEN_NOW


@pytest.fixture
def ranked(app, world, frozen_now):
    """Points for the party members of the world, plus two more members.

    member        +10 and +2 this month, +50 last year          month 12, year 12, all 62
    member2       +12 this month, +20 earlier this year         month 12, year 32, all 32
    member3       (红旗 grid 2) nothing                          month 0,  year 0,  all 0
    jiefang_member (解放社区) +100 this month                   month 100, year 100, all 100
    pending_member +30 this month, but not verified: never listed
    resident      +7 this month, not a party member: never listed
    """
    with app.app_context():
        member3 = User(openid="member3", nickname="member3", home_grid_id=world.other_grid.id)
        jiefang_member = User(
            openid="jiefang_member", nickname="jiefang_member", home_grid_id=world.other_community_grid.id
        )
        db.session.add_all([member3, jiefang_member])
        db.session.flush()
        grant_role(member3, "party_member", world.other_grid.id)
        grant_role(jiefang_member, "party_member", world.other_community_grid.id, branch="解放社区党支部")
        db.session.commit()
        ids = {
            "member": world.user_id("member"),
            "member2": world.user_id("member2"),
            "member3": member3.id,
            "jiefang_member": jiefang_member.id,
        }
    give(app, ids["member"], 10, "wish:1", THIS_MONTH)
    give(app, ids["member"], 2, "wish:1", FIRST_MOMENT_OF_MONTH, reason="five_star_bonus")
    give(app, ids["member"], 50, "wish:old", LAST_YEAR)
    give(app, ids["member2"], 12, "wish:2", THIS_MONTH)
    give(app, ids["member2"], 20, "wish:3", LAST_MOMENT_OF_MAY)
    give(app, ids["jiefang_member"], 100, "wish:4", THIS_MONTH)
    give(app, world.user_id("pending_member"), 30, "wish:5", THIS_MONTH)
    give(app, world.user_id("resident"), 7, "wish:6", THIS_MONTH)
    return ids


def board(api, **params):
    status, body = api.get(LEADERBOARD, **params)
    assert status == 200, body
    assert body["next_cursor"] is None
    return [(row["rank"], row["user_id"], row["points"]) for row in body["items"]]


def test_the_monthly_community_board_ranks_members_and_ties_share_a_rank(world, ranked):
    rows = board(world.member, area_id=world.community.id, period="month")

    # member 10+2 (the +2 at 00:00 on June 1 in Shanghai counts), member2 12 (the +20 at
    # 23:59:59 on May 31 does not), member3 0; jiefang_member is in another community
    assert rows == [(1, ranked["member"], 12), (1, ranked["member2"], 12), (3, ranked["member3"], 0)]


def test_the_yearly_board_leaves_out_last_years_points(world, ranked):
    rows = board(world.member, area_id=world.community.id, period="year")

    # member2 12+20 = 32; member 12 (the +50 at 23:59 on 2025-12-31 in Shanghai is last year)
    assert rows == [(1, ranked["member2"], 32), (2, ranked["member"], 12), (3, ranked["member3"], 0)]


def test_the_all_time_board_counts_every_entry(world, ranked):
    rows = board(world.member, area_id=world.community.id, period="all")

    # member 12+50 = 62; member2 32; member3 0
    assert rows == [(1, ranked["member"], 62), (2, ranked["member2"], 32), (3, ranked["member3"], 0)]


def test_the_first_moment_of_the_year_in_shanghai_counts_for_the_year(app, world, ranked):
    give(app, ranked["member3"], 5, "wish:new-year", FIRST_MOMENT_OF_YEAR)

    rows = board(world.member, area_id=world.community.id, period="year")

    assert (3, ranked["member3"], 5) in rows


def test_the_district_board_covers_both_communities(world, ranked):
    rows = board(world.member, area_id=world.district.id, period="month")

    assert rows == [
        (1, ranked["jiefang_member"], 100),
        (2, ranked["member"], 12),
        (2, ranked["member2"], 12),
        (4, ranked["member3"], 0),
    ]


def test_a_grid_board_lists_only_that_grids_members(world, ranked):
    assert board(world.member, area_id=world.grid.id, period="all") == [
        (1, ranked["member"], 62),
        (2, ranked["member2"], 32),
    ]
    assert board(world.member, area_id=world.other_grid.id, period="all") == [(1, ranked["member3"], 0)]


def test_the_board_lists_no_pending_members_and_no_residents(world, ranked):
    listed = {user_id for _, user_id, _ in board(world.member, area_id=world.district.id, period="all")}

    assert world.user_id("pending_member") not in listed
    assert world.user_id("resident") not in listed
    assert listed == {ranked["member"], ranked["member2"], ranked["member3"], ranked["jiefang_member"]}


def test_the_board_rows_carry_the_members_nickname(world, ranked):
    status, body = world.member.get(LEADERBOARD, area_id=world.grid.id, period="all")

    assert status == 200
    assert [row["nickname"] for row in body["items"]] == ["member", "member2"]


def test_a_leaderboard_period_outside_month_year_all_is_refused_naming_period(world):
    for bad in ("week", "MONTH", ""):
        status, body = world.member.get(LEADERBOARD, area_id=world.community.id, period=bad)
        assert status == 422, bad
        assert body["error"]["code"] == "validation_error"
        assert "period" in body["error"]["details"], bad


def test_a_leaderboard_for_an_unknown_area_is_404(world):
    status, body = world.member.get(LEADERBOARD, area_id=999999, period="all")

    assert status == 404
    assert body["error"]["code"] == "not_found"


def test_points_earned_through_the_api_reach_the_leaderboard(world, wish_in):
    wish_in("confirmed")  # member: +10 and +2 for five stars, now

    rows = board(world.member2, area_id=world.grid.id, period="month")

    assert rows == [(1, world.user_id("member"), 12), (2, world.user_id("member2"), 0)]


def test_a_wish_confirmed_after_a_dispute_earns_points_once(app, world, wish_in):
    wish = wish_in("disputed")
    act(world.worker, wish["id"], "resolve", {"outcome": "confirmed"})

    status, body = world.member.get("/api/v1/me/points")

    assert status == 200
    # no stars after a dispute, so only the +10
    assert body["balance"] == 10
    assert entry_count(app, user_id=world.user_id("member"), source=f"wish:{wish['id']}") == 1


def test_a_misspelt_leaderboard_parameter_is_refused_rather_than_ignored(world):
    status, body = world.member.get(LEADERBOARD, area_id=world.grid.id, peroid="all")

    assert status == 422
    assert "peroid" in body["error"]["details"]
