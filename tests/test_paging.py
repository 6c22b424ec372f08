"""Cursor paging and filters of GET /api/v1/wishes, and paging of GET /api/v1/me/points."""

import base64
import json

import pytest

from server.core.extensions import db
from server.points.operations import award
from tests.conftest import act, post_wish

WISHES = "/api/v1/wishes"
MY_POINTS = "/api/v1/me/points"
APPROVE = {"decision": "approve"}


def walk(api, path, limit, between_pages=None, **params):
    """Follow next_cursor to the end; answer the pages' item lists."""
    pages, cursor = [], None
    while True:
        query = {**params, "limit": limit}
        if cursor is not None:
            query["cursor"] = cursor
        status, body = api.get(path, **query)
        assert status == 200, body
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 100, "the cursor never ends"
        if between_pages:
            between_pages(len(pages))


def ids(api, **params) -> list[int]:
    """Every row the filter answers, in the order given."""
    return [item["id"] for page in walk(api, WISHES, 100, **params) for item in page]


def open_wish(world, api=None, **overrides) -> int:
    wish = post_wish(api or world.resident, **overrides)
    act(world.worker, wish["id"], "review", APPROVE)
    return wish["id"]


@pytest.fixture
def pool(world):
    """25 open wishes the member can see, and 4 the member cannot (3 pending, 1 withdrawn)."""
    visible = [open_wish(world, title=f"心愿{n}") for n in range(25)]
    for n in range(3):
        post_wish(world.resident, title=f"待审核{n}")
    withdrawn = open_wish(world)
    act(world.resident, withdrawn, "cancel")
    return visible


def test_walking_the_list_visits_every_visible_wish_once_newest_first(world, pool):
    pages = walk(world.member, WISHES, 7)

    # 25 rows by 7: 7 + 7 + 7 + 4, and the last page says there is no more
    assert [len(page) for page in pages] == [7, 7, 7, 4]
    seen = [item["id"] for page in pages for item in page]
    assert seen == sorted(pool, reverse=True)


def test_a_page_that_exactly_empties_the_list_has_no_next_cursor(world, pool):
    pages = walk(world.member, WISHES, 25)

    assert [len(page) for page in pages] == [25]


def test_the_default_page_is_twenty_rows(world, pool):
    status, body = world.member.get(WISHES)

    assert status == 200
    assert len(body["items"]) == 20
    assert body["next_cursor"] is not None


def test_wishes_posted_while_walking_neither_repeat_nor_push_out_earlier_rows(world, pool):
    newcomers = []

    def post_three_more(pages_so_far):
        newcomers.extend(open_wish(world, title=f"新心愿{pages_so_far}-{n}") for n in range(3))

    pages = walk(world.member, WISHES, 7, between_pages=post_three_more)
    seen = [item["id"] for page in pages for item in page]

    # the walk started before they were posted: it goes on down through the original rows
    assert seen == sorted(pool, reverse=True)
    assert len(newcomers) == 9
    # a fresh walk shows them first
    assert ids(world.member)[:9] == sorted(newcomers, reverse=True)


def test_a_wish_that_changes_status_while_walking_is_still_seen_once(world, pool):
    def claim_an_unseen_wish(pages_so_far):
        if pages_so_far == 1:  # the walker claims it: theirs now, so still theirs to see
            act(world.member, min(pool), "claim")

    pages = walk(world.member, WISHES, 7, between_pages=claim_an_unseen_wish)
    seen = [item["id"] for page in pages for item in page]

    assert seen == sorted(pool, reverse=True)


# -- filters -------------------------------------------------------------------------------


@pytest.fixture
def mixed(world):
    """Wishes of two owners in three grids, several statuses and categories."""
    w = {}
    other_grid, jiefang = world.other_grid.id, world.other_community_grid.id
    w["r_open_errand"] = open_wish(world, category="errand")
    wish = post_wish(world.resident, category="repair", grid_id=other_grid)
    act(world.other_worker, wish["id"], "review", APPROVE)
    w["r_open_repair_g2"] = wish["id"]
    w["r_claimed_by_member"] = open_wish(world, category="errand")
    act(world.member, w["r_claimed_by_member"], "claim")
    w["r_claimed_by_member2"] = open_wish(world, category="tutoring")
    act(world.member2, w["r_claimed_by_member2"], "claim")
    w["r_pending"] = post_wish(world.resident, category="errand")["id"]
    wish = post_wish(world.resident, category="companion", grid_id=jiefang)
    act(world.jiefang_admin, wish["id"], "review", APPROVE)
    act(world.member, wish["id"], "claim")
    act(world.member, wish["id"], "fulfil", {"note": "已陪同就医"})
    w["r_fulfilled_by_member"] = wish["id"]
    w["n_open_repair"] = open_wish(world, world.neighbour, category="repair")
    w["n_pending"] = post_wish(world.neighbour, category="repair")["id"]
    wish = post_wish(world.neighbour, category="errand", grid_id=other_grid)
    act(world.other_worker, wish["id"], "review", APPROVE)
    act(world.member2, wish["id"], "claim")
    act(world.member2, wish["id"], "fulfil", {"note": "已办好"})
    act(world.neighbour, wish["id"], "confirm", {"stars": 5})
    w["n_confirmed_by_member2"] = wish["id"]
    return w


def expect(w, *names) -> list[int]:
    return sorted((w[name] for name in names), reverse=True)


def test_without_filters_a_party_member_sees_the_pool_and_their_own_claims_only(world, mixed):
    assert ids(world.member) == expect(
        mixed,
        "r_open_errand",
        "r_open_repair_g2",
        "r_claimed_by_member",
        "r_fulfilled_by_member",
        "n_open_repair",
    )


def test_the_status_filter_returns_only_wishes_in_that_status(world, mixed):
    assert ids(world.member, status="open") == expect(mixed, "r_open_errand", "r_open_repair_g2", "n_open_repair")
    assert ids(world.member, status="claimed") == expect(mixed, "r_claimed_by_member")
    assert ids(world.member, status="confirmed") == []
    assert ids(world.member2, status="confirmed") == expect(mixed, "n_confirmed_by_member2")
    assert ids(world.member, status="disputed") == []


def test_pending_wishes_are_listed_only_for_their_owner_and_staff(world, mixed):
    assert ids(world.member, status="pending_review") == []
    assert ids(world.resident, status="pending_review") == expect(mixed, "r_pending")
    assert ids(world.worker, status="pending_review") == expect(mixed, "r_pending", "n_pending")
    # the worker of grid 2 has no pending wishes in his grid
    assert ids(world.other_worker, status="pending_review") == []


def test_the_grid_filter_returns_only_that_grids_wishes(world, mixed):
    assert ids(world.member, grid_id=world.other_grid.id) == expect(mixed, "r_open_repair_g2")
    assert ids(world.member, grid_id=world.other_community_grid.id) == expect(mixed, "r_fulfilled_by_member")


def test_the_area_filter_returns_the_wishes_of_the_subtree(world, mixed):
    in_hongqi = ids(world.member, area_id=world.community.id)

    assert mixed["r_fulfilled_by_member"] not in in_hongqi
    assert in_hongqi == expect(
        mixed,
        "r_open_errand",
        "r_open_repair_g2",
        "r_claimed_by_member",
        "n_open_repair",
    )


def test_the_category_filter_returns_only_that_category(world, mixed):
    assert ids(world.member, category="repair") == expect(mixed, "r_open_repair_g2", "n_open_repair")
    assert ids(world.member, category="companion") == expect(mixed, "r_fulfilled_by_member")
    assert ids(world.member, category="legal") == []


def test_filters_combine(world, mixed):
    assert ids(world.member, category="errand", status="open") == expect(mixed, "r_open_errand")
    assert ids(world.member, category="errand", grid_id=world.grid.id) == expect(
        mixed, "r_open_errand", "r_claimed_by_member"
    )
    assert ids(world.resident, mine="posted", status="pending_review") == expect(mixed, "r_pending")


def test_mine_posted_lists_what_i_posted_in_every_status(world, mixed):
    assert ids(world.neighbour, mine="posted") == expect(mixed, "n_open_repair", "n_pending", "n_confirmed_by_member2")
    assert ids(world.resident, mine="posted") == expect(
        mixed,
        "r_open_errand",
        "r_open_repair_g2",
        "r_claimed_by_member",
        "r_claimed_by_member2",
        "r_pending",
        "r_fulfilled_by_member",
    )
    assert ids(world.member, mine="posted") == []


def test_mine_claimed_lists_what_i_claimed(world, mixed):
    assert ids(world.member, mine="claimed") == expect(mixed, "r_claimed_by_member", "r_fulfilled_by_member")
    assert ids(world.member2, mine="claimed") == expect(mixed, "r_claimed_by_member2", "n_confirmed_by_member2")
    assert ids(world.resident, mine="claimed") == []


def test_filtered_lists_page_like_the_full_list(app, world, pool, monkeypatch):
    monkeypatch.setitem(app.config, "CLAIMS_HELD_MAX", 10)  # one member takes ten out of the pool
    for wish_id in pool[:10]:
        act(world.member2, wish_id, "claim")

    pages = walk(world.member, WISHES, 4, status="open")

    assert [len(page) for page in pages] == [4, 4, 4, 3]
    assert [item["id"] for page in pages for item in page] == sorted(pool[10:], reverse=True)


def test_list_rows_mask_the_address_and_phone(world, mixed):
    status, body = world.resident.get(WISHES, mine="posted", limit=1)

    assert status == 200
    assert body["items"][0]["contact_phone"] == "138****1234"
    assert body["items"][0]["address"] != "红旗社区3号楼2单元501"


# -- refused requests ----------------------------------------------------------------------


@pytest.mark.parametrize("limit", [101, 0, -1, "ten"])
def test_a_limit_outside_1_to_100_is_refused_naming_limit(world, limit):
    status, body = world.member.get(WISHES, limit=limit)

    assert status == 422
    assert body["error"]["code"] == "validation_error"
    assert "limit" in body["error"]["details"]


def test_limits_of_1_and_100_are_accepted(world, pool):
    for limit in (1, 100):
        status, body = world.member.get(WISHES, limit=limit)
        assert status == 200
        assert len(body["items"]) == min(limit, 25)


def _forged(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "!!!",
        "eyJiZWZvcmUi",  # a cut-off cursor
        _forged({"after": 5}),
        _forged({"before": "5"}),
        _forged({"before": 0}),
        _forged([5]),
        _forged({"before": True}),
        _forged({"before": 10**30}),  # larger than any database integer
        "x" * 201,
    ],
)
def test_a_garbage_cursor_is_refused_naming_cursor(world, pool, cursor):
    status, body = world.member.get(WISHES, cursor=cursor)

    assert status == 422, body
    assert body["error"]["code"] == "validation_error"
    assert "cursor" in body["error"]["details"]


def test_an_empty_cursor_starts_from_the_newest(world, pool):
    status, body = world.member.get(WISHES, cursor="", limit=3)

    assert status == 200
    assert [item["id"] for item in body["items"]] == sorted(pool, reverse=True)[:3]


@pytest.mark.parametrize("param", [{"sort": "oldest"}, {"page": "2"}, {"mine": "posted", "owner_id": "1"}])
def test_an_unknown_query_parameter_is_refused(world, param):
    status, body = world.member.get(WISHES, **param)

    assert status == 422
    assert body["error"]["code"] == "validation_error"
    unknown = next(name for name in param if name not in ("mine",))
    assert unknown in body["error"]["details"]


@pytest.mark.parametrize("param", [{"status": "done"}, {"category": "food"}, {"mine": "all"}, {"grid_id": "x"}])
def test_a_filter_value_outside_its_choices_is_refused_naming_it(world, param):
    status, body = world.member.get(WISHES, **param)

    assert status == 422
    assert next(iter(param)) in body["error"]["details"]


def test_an_unknown_grid_filter_gives_an_empty_list(world, pool):
    assert ids(world.member, grid_id=999999) == []


def test_an_unknown_area_filter_is_404(world):
    status, body = world.member.get(WISHES, area_id=999999)

    assert status == 404
    assert body["error"]["code"] == "not_found"


# -- my points -----------------------------------------------------------------------------


@pytest.fixture
def ledger(app, world):
    """25 entries for the member (+1 … +25) and one for member2."""
    member = world.user_id("member")
    with app.app_context():
        for n in range(1, 26):
            assert award(member, n, "wish_confirmed", f"wish:{n}")
        assert award(world.user_id("member2"), 100, "wish_confirmed", "wish:1")
        db.session.commit()
    return member


def test_walking_my_points_visits_every_entry_once_newest_first_with_the_full_balance(world, ledger):
    balances = []
    pages, cursor = [], None
    while True:
        params = {"limit": 10} if cursor is None else {"limit": 10, "cursor": cursor}
        status, body = world.member.get(MY_POINTS, **params)
        assert status == 200, body
        pages.append(body["items"])
        balances.append(body["balance"])
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert [len(page) for page in pages] == [10, 10, 5]
    # newest first: +25 was awarded last
    assert [item["delta"] for page in pages for item in page] == list(range(25, 0, -1))
    ids_seen = [item["id"] for page in pages for item in page]
    assert ids_seen == sorted(set(ids_seen), reverse=True)
    # every page carries the whole balance, 1 + … + 25 = 325, not the page's sum
    assert balances == [325, 325, 325]


def test_new_points_while_walking_my_points_do_not_repeat_entries(app, world, ledger):
    status, first = world.member.get(MY_POINTS, limit=10)
    assert status == 200
    with app.app_context():
        award(ledger, 1000, "wish_confirmed", "wish:new")
        db.session.commit()
    rest = walk(world.member, MY_POINTS, 10, cursor=first["next_cursor"])

    deltas = [item["delta"] for item in first["items"]] + [item["delta"] for page in rest for item in page]
    assert deltas == list(range(25, 0, -1))


@pytest.mark.parametrize("params", [{"limit": 101}, {"limit": 0}, {"cursor": "garbage"}, {"period": "month"}])
def test_my_points_refuse_bad_paging_parameters(world, params):
    status, body = world.member.get(MY_POINTS, **params)

    assert status == 422
    assert next(iter(params)) in body["error"]["details"]
