"""GET /api/v1/stats/overview: counts by status and the three rates of DESIGN §3 for a subtree
of the area tree and a period of Shanghai calendar days.

The data set is built by hand through the API, then a few timestamps are moved in the
database so that some claims are late, some response windows still run and some desired
dates have passed. Every expected number is worked out in the comments next to it.
"""

from datetime import UTC, datetime, timedelta

import pytest

from server.core import clock
from server.core.extensions import db
from server.wishes import operations
from server.wishes.models import STATUSES, Wish
from tests.conftest import act, login, post_wish

OVERVIEW = "/api/v1/stats/overview"

# Who acts as "staff" in each grid of the world fixture.
STAFF = {"grid": "worker", "other_grid": "other_worker", "other_community_grid": "jiefang_admin"}

APPROVE = ("staff", "review", {"decision": "approve"})
REJECT = ("staff", "review", {"decision": "reject", "reason": "不属于服务范围"})
CANCEL = ("resident", "cancel", None)
CLAIM = ("member", "claim", None)
FULFIL = ("member", "fulfil", {"note": "已完成"})
DISPUTE = ("resident", "dispute", {"reason": "没有完成"})
RESOLVE_AS_CONFIRMED = ("staff", "resolve", {"outcome": "confirmed"})


def confirm(stars):
    return ("resident", "confirm", {"stars": stars})


def close(resolution):
    return ("staff", "close", {"resolution": resolution})


def make_wish(world, grid: str, *steps) -> int:
    """Post a wish as the resident in ``grid`` and run ``steps`` ("staff" = that grid's worker)."""
    wish = post_wish(world.resident, grid_id=getattr(world, grid).id)
    for who, action, body in steps:
        wish = act(world.clients[STAFF[grid] if who == "staff" else who], wish["id"], action, body)
    return wish["id"]


def adjust(app, wish_id: int, **values) -> None:
    """Move a wish's timestamps (or other columns) directly in the database."""
    with app.app_context():
        wish = db.session.get(Wish, wish_id)
        for name, value in values.items():
            setattr(wish, name, value)
        db.session.commit()


def overview(api, **params):
    status, body = api.get(OVERVIEW, **params)
    assert status == 200, body
    return body


def rate(value, numerator, denominator):
    return {"value": value, "numerator": numerator, "denominator": denominator}


def counts(**nonzero):
    return {status: nonzero.get(status, 0) for status in STATUSES}


@pytest.fixture
def dataset(app, world):
    """Eighteen wishes over three grids in two communities; see the letters in the comments."""
    now = datetime.now(UTC)
    days = timedelta(days=1)
    yesterday = clock.shanghai_today() - days
    next_week = clock.shanghai_today() + 7 * days
    late = {"opened_at": now - 5 * days, "response_due_at": now - 2 * days, "first_claimed_at": now - 1 * days}
    window_passed = {"opened_at": now - 4 * days, "response_due_at": now - 1 * days}

    # -- 红旗社区第1网格 (grid): A … L ---------------------------------------------------------
    make_wish(world, "grid")  # A pending_review: never opened, in no rate
    make_wish(world, "grid", APPROVE)  # B open, its 72 h window still running: in no rate
    c = make_wish(world, "grid", APPROVE)  # C open, window passed and desired date passed
    adjust(app, c, desired_by=yesterday, **window_passed)
    make_wish(world, "grid", APPROVE, CLAIM)  # D claimed at once: responded
    e = make_wish(world, "grid", APPROVE, CLAIM)  # E claimed a day after its window closed
    adjust(app, e, **late)
    f = make_wish(world, "grid", APPROVE, CLAIM, FULFIL)  # F fulfilled, desired date still ahead
    adjust(app, f, desired_by=next_week)
    make_wish(world, "grid", APPROVE, CLAIM, FULFIL, confirm(5))  # G confirmed, 5 stars
    make_wish(world, "grid", APPROVE, CLAIM, FULFIL, confirm(3))  # H confirmed, 3 stars
    i = make_wish(world, "grid", APPROVE, CLAIM, FULFIL, DISPUTE)  # I disputed, desired date passed
    adjust(app, i, desired_by=yesterday)
    make_wish(world, "grid", APPROVE, CLAIM, FULFIL, confirm(4), close("completed"))  # J closed, 4 stars
    make_wish(world, "grid", REJECT)  # K rejected: never opened
    lw = make_wish(world, "grid", CANCEL)  # L cancelled while pending, desired date passed
    adjust(app, lw, desired_by=yesterday)

    # -- 红旗社区第2网格 (other_grid): M … O ---------------------------------------------------
    m = make_wish(world, "other_grid", APPROVE, close("unresolved"))  # M closed unclaimed, window passed
    adjust(app, m, **window_passed)
    n = make_wish(world, "other_grid", APPROVE, CANCEL)  # N cancelled from the pool, window running
    adjust(app, n, desired_by=yesterday)
    make_wish(world, "other_grid", APPROVE, CLAIM, FULFIL, DISPUTE, RESOLVE_AS_CONFIRMED)  # O confirmed, unrated

    # -- 解放社区第1网格 (other_community_grid): P … R ----------------------------------------
    p = make_wish(world, "other_community_grid", APPROVE, CLAIM, FULFIL, confirm(2))  # P late claim, 2 stars
    adjust(app, p, **late)
    q = make_wish(world, "other_community_grid", APPROVE)  # Q open, window passed
    adjust(app, q, **window_passed)
    make_wish(world, "other_community_grid", APPROVE, CLAIM, FULFIL, DISPUTE, close("unresolved"))  # R closed


# Per wish (resp = response rate, reso = resolution rate, sat = satisfaction rate; n/d = counts
# toward numerator/denominator):
#   A pending     —            —            —
#   B open        —            —            —           (window still running, no desired date)
#   C open        d            d            —           (window passed; desired date passed)
#   D claimed     n d          —            —
#   E claimed     d            —            —           (claimed after its window)
#   F fulfilled   n d          —            —           (desired date next week)
#   G confirmed   n d          n d          n d  (5★)
#   H confirmed   n d          n d          d    (3★)
#   I disputed    n d          d            —           (desired date passed)
#   J closed      n d          n d          n d  (4★)   (closed as completed: it was confirmed)
#   K rejected    —            —            —           (never opened)
#   L cancelled   —            —            —           (never opened)
#   M closed      d            d            —           (unclaimed, window passed; closed unresolved)
#   N cancelled   —            —            —           (cancelled from the pool inside its window)
#   O confirmed   n d          n d          —           (dispute resolved as confirmed, no stars)
#   P confirmed   d            n d          d    (2★)   (claimed late)
#   Q open        d            —            —           (window passed)
#   R closed      n d          d            —           (disputed, closed unresolved)


def test_the_district_overview_counts_every_status_and_the_three_rates(world, dataset):
    body = overview(world.district_admin, area_id=world.district.id)

    assert body["area_id"] == world.district.id
    assert body["from"] is None and body["to"] is None
    # pending A; open B C Q; rejected K; cancelled L N; claimed D E; fulfilled F;
    # confirmed G H O P; disputed I; closed J M R — 1+3+1+2+2+1+4+1+3 = 18
    assert body["counts"] == counts(
        pending_review=1, open=3, rejected=1, cancelled=2, claimed=2, fulfilled=1, confirmed=4, disputed=1, closed=3
    )
    assert set(body["counts"]) == set(STATUSES)
    assert body["total"] == 18
    # response: n = D F G H I J O R = 8; d = C D E F G H I J M O P Q R = 13; 8/13 = 0.6154
    assert body["response_rate"] == rate(0.6154, 8, 13)
    # resolution: n = G H J O P = 5; d = C G H I J M O P R = 9; 5/9 = 0.5556
    assert body["resolution_rate"] == rate(0.5556, 5, 9)
    # satisfaction: rated G(5) H(3) J(4) P(2) = 4; 4–5 stars G J = 2; 2/4 = 0.5
    assert body["satisfaction_rate"] == rate(0.5, 2, 4)


def test_without_area_id_the_overview_covers_the_whole_tree(world, dataset):
    assert overview(world.district_admin) == overview(world.district_admin, area_id=world.district.id)


def test_a_community_overview_covers_its_grids_and_nothing_from_the_next_community(world, dataset):
    body = overview(world.community_admin, area_id=world.community.id)

    # grid A…L plus other_grid M N O; 解放社区's P Q R are left out
    assert body["counts"] == counts(
        pending_review=1, open=2, rejected=1, cancelled=2, claimed=2, fulfilled=1, confirmed=3, disputed=1, closed=2
    )
    assert body["total"] == 15
    # response: n = D F G H I J O = 7; d = C D E F G H I J M O = 10; 7/10
    assert body["response_rate"] == rate(0.7, 7, 10)
    # resolution: n = G H J O = 4; d = C G H I J M O = 7; 4/7 = 0.5714
    assert body["resolution_rate"] == rate(0.5714, 4, 7)
    # satisfaction: rated G H J = 3; 4–5 stars G J = 2; 2/3 = 0.6667
    assert body["satisfaction_rate"] == rate(0.6667, 2, 3)


def test_a_grid_overview_covers_only_that_grid(world, dataset):
    body = overview(world.worker, area_id=world.grid.id)

    # A … L
    assert body["counts"] == counts(
        pending_review=1, open=2, rejected=1, cancelled=1, claimed=2, fulfilled=1, confirmed=2, disputed=1, closed=1
    )
    assert body["total"] == 12
    # response: n = D F G H I J = 6; d = C D E F G H I J = 8; 6/8
    assert body["response_rate"] == rate(0.75, 6, 8)
    # resolution: n = G H J = 3; d = C G H I J = 5; 3/5
    assert body["resolution_rate"] == rate(0.6, 3, 5)
    # satisfaction: 4–5 stars G J of rated G H J; 2/3
    assert body["satisfaction_rate"] == rate(0.6667, 2, 3)


def test_a_rate_with_nothing_to_judge_is_null_not_zero(world, dataset):
    body = overview(world.other_worker, area_id=world.other_grid.id)

    # M N O
    assert body["counts"] == counts(cancelled=1, confirmed=1, closed=1)
    assert body["total"] == 3
    # response: n = O; d = M O.  resolution: n = O; d = M O (N is cancelled).
    assert body["response_rate"] == rate(0.5, 1, 2)
    assert body["resolution_rate"] == rate(0.5, 1, 2)
    # nobody rated anything here: 0/0 is "no data", not 0 %
    assert body["satisfaction_rate"] == rate(None, 0, 0)


def test_the_other_community_has_its_own_numbers(world, dataset):
    body = overview(world.jiefang_admin, area_id=world.other_community_grid.id)

    # P Q R
    assert body["counts"] == counts(open=1, confirmed=1, closed=1)
    assert body["total"] == 3
    # response: n = R; d = P Q R; 1/3.  resolution: n = P; d = P R.  satisfaction: 2★ of 1 rated.
    assert body["response_rate"] == rate(0.3333, 1, 3)
    assert body["resolution_rate"] == rate(0.5, 1, 2)
    assert body["satisfaction_rate"] == rate(0.0, 0, 1)


def test_an_area_without_wishes_has_zero_counts_and_null_rates(world):
    body = overview(world.district_admin, area_id=world.district.id)

    assert body["counts"] == counts()
    assert body["total"] == 0
    for name in ("response_rate", "resolution_rate", "satisfaction_rate"):
        assert body[name] == rate(None, 0, 0)


def test_a_claim_exactly_at_the_end_of_the_window_counts_as_a_response(app, world):
    wish_id = make_wish(world, "grid", APPROVE, CLAIM)
    moment = datetime.now(UTC) - timedelta(hours=1)
    adjust(app, wish_id, opened_at=moment - timedelta(hours=72), response_due_at=moment, first_claimed_at=moment)

    assert overview(world.worker, area_id=world.grid.id)["response_rate"] == rate(1.0, 1, 1)


def test_a_released_wish_keeps_its_first_claim_for_the_response_rate(app, world):
    # claimed in time, then released back to the pool: the grid did respond in time
    wish_id = make_wish(world, "grid", APPROVE, CLAIM, ("member", "release", None))
    body = overview(world.worker, area_id=world.grid.id)

    assert body["counts"] == counts(open=1)
    assert body["response_rate"] == rate(1.0, 1, 1)
    # a second claim after the window has passed does not make the first one late
    now = datetime.now(UTC)
    adjust(app, wish_id, first_claimed_at=now - timedelta(hours=2), response_due_at=now - timedelta(hours=1))
    act(world.member2, wish_id, "claim")
    assert overview(world.worker, area_id=world.grid.id)["response_rate"] == rate(1.0, 1, 1)


def test_a_wish_withdrawn_before_anyone_claimed_it_does_not_count_against_the_response_rate(app, world):
    # missed: opened, never claimed, window over -> 0/1
    missed = make_wish(world, "grid", APPROVE)
    # withdrawn by its owner, also with the window over -> left out entirely
    withdrawn = make_wish(world, "grid", APPROVE, CANCEL)
    past = datetime.now(UTC) - timedelta(hours=1)
    for wish_id in (missed, withdrawn):
        adjust(app, wish_id, opened_at=past - timedelta(hours=72), response_due_at=past)

    assert overview(world.worker, area_id=world.grid.id)["response_rate"] == rate(0.0, 0, 1)


# -- the period: created_at on the Asia/Shanghai calendar ----------------------------------


@pytest.fixture
def dated(app, world):
    """Five wishes around the edges of April 2026 in Shanghai (UTC+8)."""
    created = {
        # 2026-03-31 23:59 in Shanghai
        "march_31": datetime(2026, 3, 31, 15, 59, tzinfo=UTC),
        # 2026-04-01 00:00 in Shanghai
        "april_1_midnight": datetime(2026, 3, 31, 16, 0, tzinfo=UTC),
        # 2026-04-01 01:00 in Shanghai, though still March 31 in UTC
        "april_1": datetime(2026, 3, 31, 17, 0, tzinfo=UTC),
        # 2026-04-30 23:59:59 in Shanghai
        "april_30": datetime(2026, 4, 30, 15, 59, 59, tzinfo=UTC),
        # 2026-05-01 00:00 in Shanghai
        "may_1": datetime(2026, 4, 30, 16, 0, tzinfo=UTC),
    }
    ids = {}
    for name, moment in created.items():
        # only the 01:00 one is open, so the counts show which wishes were taken
        ids[name] = make_wish(world, "grid", APPROVE) if name == "april_1" else make_wish(world, "grid")
        adjust(app, ids[name], created_at=moment)
    return ids


def test_a_period_counts_wishes_by_their_shanghai_calendar_day(world, dated):
    body = overview(world.worker, area_id=world.grid.id, **{"from": "2026-04-01", "to": "2026-04-30"})

    assert body["from"] == "2026-04-01" and body["to"] == "2026-04-30"
    # april_1_midnight, april_1, april_30; not march_31 (23:59 on the 31st) nor may_1
    assert body["total"] == 3
    assert body["counts"] == counts(pending_review=2, open=1)


def test_a_wish_created_at_17_utc_on_march_31_belongs_to_april_1(world, dated):
    body = overview(world.worker, area_id=world.grid.id, **{"from": "2026-04-01", "to": "2026-04-01"})
    # april_1_midnight and april_1 (17:00Z on the 31st is 01:00 on the 1st in Shanghai)
    assert body["total"] == 2
    assert body["counts"] == counts(pending_review=1, open=1)

    body = overview(world.worker, area_id=world.grid.id, **{"from": "2026-03-31", "to": "2026-03-31"})
    # only march_31
    assert body["total"] == 1
    assert body["counts"] == counts(pending_review=1)


def test_an_open_ended_period_runs_from_the_first_or_to_the_last_day(world, dated):
    since_april = overview(world.worker, area_id=world.grid.id, **{"from": "2026-04-01"})
    # april_1_midnight, april_1, april_30, may_1
    assert since_april["total"] == 4
    assert since_april["to"] is None

    until_april = overview(world.worker, area_id=world.grid.id, to="2026-04-30")
    # march_31, april_1_midnight, april_1, april_30
    assert until_april["total"] == 4
    assert until_april["from"] is None


def test_the_rates_only_look_at_wishes_posted_in_the_period(app, world):
    in_period = make_wish(world, "grid", APPROVE, CLAIM, FULFIL, confirm(5))
    before = make_wish(world, "grid", APPROVE, CLAIM, FULFIL, confirm(1))
    adjust(app, in_period, created_at=datetime(2026, 4, 10, 2, 0, tzinfo=UTC))
    adjust(app, before, created_at=datetime(2026, 3, 10, 2, 0, tzinfo=UTC))

    body = overview(world.worker, area_id=world.grid.id, **{"from": "2026-04-01", "to": "2026-04-30"})

    assert body["counts"] == counts(confirmed=1)
    assert body["response_rate"] == rate(1.0, 1, 1)
    assert body["resolution_rate"] == rate(1.0, 1, 1)
    # the 1★ wish from March is outside the period
    assert body["satisfaction_rate"] == rate(1.0, 1, 1)


# -- refused requests ----------------------------------------------------------------------


def test_a_period_ending_before_it_starts_is_refused_naming_to(world):
    status, body = world.district_admin.get(OVERVIEW, **{"from": "2026-04-02", "to": "2026-04-01"})

    assert status == 422
    assert body["error"]["code"] == "validation_error"
    assert "to" in body["error"]["details"]


def test_a_malformed_date_is_refused_naming_from(world):
    for bad in ("2026-02-30", "yesterday", "2026/04/01"):
        status, body = world.district_admin.get(OVERVIEW, **{"from": bad})
        assert status == 422, bad
        assert "from" in body["error"]["details"], bad


def test_an_unknown_area_is_404(world):
    status, body = world.district_admin.get(OVERVIEW, area_id=999999)

    assert status == 404
    assert body["error"]["code"] == "not_found"


def test_the_overview_needs_a_login(client, world):
    response = client.get(OVERVIEW, query_string={"area_id": world.district.id})
    assert response.status_code == 401


def test_a_misspelt_query_parameter_is_refused_rather_than_ignored(world):
    # "area" instead of "area_id" would otherwise silently answer for the whole district
    status, body = world.district_admin.get(OVERVIEW, area=world.grid.id)

    assert status == 422
    assert "area" in body["error"]["details"]


def test_a_wish_taken_back_for_review_keeps_its_first_entry_for_the_response_rate(app, world):
    # Opened, then taken out of the pool (a photo failed the image check) until its window had
    # passed; approved again and claimed at once. The grid was late: the rate counts from the
    # first time the wish reached the pool, not the second.
    wish_id = make_wish(world, "grid", APPROVE)
    first_due = datetime.now(UTC) - timedelta(hours=1)
    adjust(app, wish_id, opened_at=first_due - timedelta(hours=72), response_due_at=first_due)
    with app.app_context():
        operations.return_to_review(db.session.get(Wish, wish_id), note="图片未通过安全检测")
        db.session.commit()

    act(world.worker, wish_id, "review", {"decision": "approve"})
    act(world.member, wish_id, "claim")

    assert overview(world.worker, area_id=world.grid.id)["response_rate"] == rate(0.0, 0, 1)


# -- who may read which numbers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("reader", "readable", "refused"),
    [
        # residents and party members: their home community and its grids, nothing else
        ("resident", ["community", "grid", "other_grid"], ["district", "other_community_grid"]),
        ("member", ["community", "grid"], ["district", "other_community_grid"]),
        # staff: inside their grants (and their own home community, as a resident)
        ("worker", ["grid", "community"], ["district", "other_community_grid"]),
        ("other_worker", ["other_grid"], ["district", "other_community_grid"]),
        ("community_admin", ["community", "grid", "other_grid"], ["district", "other_community_grid"]),
        ("jiefang_admin", ["other_community_grid"], ["district", "community", "grid"]),
        ("district_admin", ["district", "community", "grid", "other_community_grid"], []),
    ],
)
def test_each_caller_reads_the_numbers_of_their_scope_and_is_refused_the_rest(world, reader, readable, refused):
    api = world.clients[reader]
    for name in readable:
        status, body = api.get(OVERVIEW, area_id=getattr(world, name).id)
        assert status == 200, (name, body)
    for name in refused:
        status, body = api.get(OVERVIEW, area_id=getattr(world, name).id)
        assert status == 403, (name, body)
        assert body["error"]["code"] == "forbidden"


def test_without_area_id_a_resident_reads_their_own_community(world, dataset):
    assert overview(world.resident) == overview(world.district_admin, area_id=world.community.id)


def test_someone_without_a_home_grid_reads_no_numbers(world, client):
    newcomer = login(client, "newcomer")
    status, body = newcomer.get(OVERVIEW)
    assert (status, body["error"]["code"]) == (403, "no_home_grid")
    status, body = newcomer.get(OVERVIEW, area_id=world.district.id)
    assert (status, body["error"]["code"]) == (403, "forbidden")
