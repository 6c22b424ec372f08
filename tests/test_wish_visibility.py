"""Who sees what of a wish in each status, list and detail alike (docs/wish-visibility.md).

The table below is the rule written out: for each kind of caller, the statuses in which they
see the wish, and whether they see it whole (address and phone unmasked, the timeline) or as
the pool shows it (masked contact details, no timeline). Every other cell is a 404 in the
detail and an absent row in the list.
"""

import json

import pytest

from server.wishes.models import STATUSES
from tests.conftest import VALID_WISH, login

ALL = frozenset(STATUSES)
# Statuses in which `member` (the claimer wish_in uses) holds the claim.
CLAIMED_BY_MEMBER = frozenset({"claimed", "fulfilled", "disputed", "confirmed", "closed"})
POOL = frozenset({"open"})

# caller: (statuses seen whole, statuses seen as the pool shows them)
TABLE = {
    "resident": (ALL, frozenset()),  # the owner
    "member": (CLAIMED_BY_MEMBER, POOL),  # the claimer
    "worker": (ALL, frozenset()),  # grid worker of the wish's grid
    "community_admin": (ALL, frozenset()),
    "district_admin": (ALL, frozenset()),
    "neighbour": (frozenset(), POOL),  # a resident of the same grid
    "member2": (frozenset(), POOL),  # a verified party member not involved
    "pending_member": (frozenset(), POOL),
    "other_worker": (frozenset(), POOL),  # grid worker of another grid
    "jiefang_admin": (frozenset(), POOL),  # admin of another community
    "newcomer": (frozenset(), POOL),  # logged in a minute ago, no grid yet
}


@pytest.fixture
def one_of_each(wish_in):
    return {status: wish_in(status)["id"] for status in STATUSES}


def caller(world, client, name):
    return login(client, "newcomer") if name == "newcomer" else world.clients[name]


@pytest.mark.parametrize("name", sorted(TABLE))
def test_each_caller_sees_each_status_as_the_table_says_in_the_detail(world, client, one_of_each, name):
    whole, pool_view = TABLE[name]
    api = caller(world, client, name)
    for status, wish_id in one_of_each.items():
        code, body = api.get(f"/api/v1/wishes/{wish_id}")
        if status in whole:
            assert code == 200, (status, body)
            assert (body["contact_phone"], body["address"]) == (VALID_WISH["contact_phone"], VALID_WISH["address"])
            assert body["timeline"] and body["timeline"][0]["action"] == "post"
        elif status in pool_view:
            assert code == 200, (status, body)
            text = json.dumps(body, ensure_ascii=False)
            assert VALID_WISH["contact_phone"] not in text and VALID_WISH["address"] not in text
            assert body["timeline"] == []
        else:
            assert code == 404, (status, body)
            assert body["error"]["code"] == "not_found"


@pytest.mark.parametrize("name", sorted(TABLE))
def test_each_caller_lists_exactly_the_wishes_the_table_lets_them_see(world, client, one_of_each, name):
    whole, pool_view = TABLE[name]
    api = caller(world, client, name)
    code, body = api.get("/api/v1/wishes", limit=100)
    assert code == 200, body
    listed = {item["id"] for item in body["items"]}
    assert listed == {one_of_each[status] for status in whole | pool_view}


def test_a_former_claimer_sees_a_wish_reclaimed_by_another_only_while_it_was_theirs(world, wish_in):
    wish_id = wish_in("claimed")["id"]
    world.member.post(f"/api/v1/wishes/{wish_id}/release")
    world.member2.post(f"/api/v1/wishes/{wish_id}/claim")

    code, _ = world.member.get(f"/api/v1/wishes/{wish_id}")
    assert code == 404
    code, body = world.member.get("/api/v1/wishes", limit=100)
    assert wish_id not in {item["id"] for item in body["items"]}


def test_a_party_member_who_lost_a_claim_race_hears_409_not_404(world, wish_in):
    wish_id = wish_in("claimed")["id"]  # claimed by `member`
    code, body = world.member2.post(f"/api/v1/wishes/{wish_id}/claim")
    assert code == 409
    assert body["error"]["details"]["status"] == "claimed"
    assert set(body["error"]) == {"code", "message", "details"}  # nothing of the wish itself


def test_before_any_area_exists_the_lists_are_empty_not_an_error(client):
    newcomer = login(client, "newcomer")

    assert newcomer.get("/api/v1/wishes") == (200, {"items": [], "next_cursor": None})
    assert newcomer.get("/api/v1/wishes", status="open") == (200, {"items": [], "next_cursor": None})
    assert newcomer.get("/api/v1/unit-organisations") == (200, {"items": [], "next_cursor": None})
