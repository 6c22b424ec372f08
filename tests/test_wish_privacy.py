"""Who sees a wish, and who sees its private address and phone (DESIGN §4: masked for all but
the owner, the claimer, and grid workers and admins of that grid)."""

import json

import pytest

from tests.conftest import VALID_WISH, act
from tests.test_wish_lifecycle import assert_error, detail

PHONE = VALID_WISH["contact_phone"]
MASKED_PHONE = "138****1234"
ADDRESS = VALID_WISH["address"]

INSIDERS = ["resident", "member", "worker", "community_admin", "district_admin"]
OUTSIDERS = ["member2", "neighbour", "pending_member", "other_worker", "jiefang_admin"]


@pytest.mark.parametrize("viewer", INSIDERS)
def test_owner_claimer_and_staff_of_the_grid_see_the_phone_and_address_in_full(world, wish_in, viewer):
    wish = wish_in("claimed")  # claimed by `member`

    shown = detail(world.clients[viewer], wish["id"])

    assert shown["contact_phone"] == PHONE
    assert shown["address"] == ADDRESS


@pytest.mark.parametrize("viewer", OUTSIDERS)
def test_everyone_else_sees_the_phone_and_address_masked(world, wish_in, viewer):
    wish = wish_in("open")

    shown = detail(world.clients[viewer], wish["id"])

    assert shown["contact_phone"] == MASKED_PHONE
    assert shown["address"].endswith("****")
    assert shown["address"] != ADDRESS
    assert PHONE not in json.dumps(shown, ensure_ascii=False)
    assert ADDRESS not in json.dumps(shown, ensure_ascii=False)


@pytest.mark.parametrize("status", ["fulfilled", "confirmed", "disputed", "closed"])
def test_the_claimer_keeps_seeing_the_contact_details_after_fulfilling(world, wish_in, status):
    shown = detail(world.member, wish_in(status)["id"])
    assert (shown["contact_phone"], shown["address"]) == (PHONE, ADDRESS)


def test_a_member_sees_the_contact_details_once_the_wish_is_theirs_and_not_after_release(world, wish_in):
    wish = wish_in("open")
    assert detail(world.member, wish["id"])["contact_phone"] == MASKED_PHONE

    claimed = act(world.member, wish["id"], "claim")
    assert claimed["contact_phone"] == PHONE
    assert detail(world.member, wish["id"])["address"] == ADDRESS

    act(world.member, wish["id"], "release")
    assert detail(world.member, wish["id"])["contact_phone"] == MASKED_PHONE


def test_assigning_hands_the_contact_details_to_the_assigned_member_only(world, wish_in):
    wish = act(world.worker, wish_in("open")["id"], "assign", {"party_member_id": world.user_id("member2")})
    assert wish["contact_phone"] == PHONE
    status, _ = world.member.get(f"/api/v1/wishes/{wish['id']}")
    assert status == 404  # no longer in the pool, and not theirs
    assert detail(world.member2, wish["id"])["contact_phone"] == PHONE


@pytest.mark.parametrize("viewer", INSIDERS + OUTSIDERS)
@pytest.mark.parametrize("mine", [None, "posted", "claimed"])
def test_the_list_never_carries_the_unmasked_phone_or_address(world, wish_in, viewer, mine):
    wish_in("claimed")
    wish_in("pending_review")
    params = {"mine": mine} if mine else {}

    status, body = world.clients[viewer].get("/api/v1/wishes", **params)

    assert status == 200, body
    dumped = json.dumps(body, ensure_ascii=False)
    assert PHONE not in dumped
    assert ADDRESS not in dumped
    for item in body["items"]:
        assert item["contact_phone"] == MASKED_PHONE
        assert item["address"].endswith("****")


def test_the_owner_finds_their_wishes_in_the_list_masked(world, wish_in):
    wish = wish_in("pending_review")

    status, body = world.resident.get("/api/v1/wishes", mine="posted")

    assert status == 200
    assert [item["id"] for item in body["items"]] == [wish["id"]]
    assert body["items"][0]["contact_phone"] == MASKED_PHONE


# -- visibility --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["pending_review", "rejected"])
@pytest.mark.parametrize("viewer", ["neighbour", "member", "pending_member", "other_worker", "jiefang_admin"])
def test_a_wish_not_yet_in_the_pool_is_404_for_people_not_involved(world, wish_in, status, viewer):
    wish = wish_in(status)

    code, body = world.clients[viewer].get(f"/api/v1/wishes/{wish['id']}")

    assert code == 404, body
    assert_error(body, "not_found")
    listed = world.clients[viewer].get("/api/v1/wishes")[1]["items"]
    assert wish["id"] not in [item["id"] for item in listed]


@pytest.mark.parametrize("status", ["pending_review", "rejected"])
@pytest.mark.parametrize("viewer", ["resident", "worker", "community_admin", "district_admin"])
def test_a_wish_not_yet_in_the_pool_is_visible_to_its_owner_and_the_grid_staff(world, wish_in, status, viewer):
    wish = wish_in(status)

    assert detail(world.clients[viewer], wish["id"])["status"] == status
    listed = world.clients[viewer].get("/api/v1/wishes")[1]["items"]
    assert wish["id"] in [item["id"] for item in listed]


@pytest.mark.parametrize(
    "viewer",
    [
        "resident",
        "neighbour",
        "member",
        "member2",
        "pending_member",
        "worker",
        "other_worker",
        "community_admin",
        "jiefang_admin",
        "district_admin",
    ],
)
def test_an_open_wish_is_visible_to_everyone_logged_in(world, wish_in, viewer):
    wish = wish_in("open")

    assert detail(world.clients[viewer], wish["id"])["status"] == "open"
    listed = world.clients[viewer].get("/api/v1/wishes", status="open")[1]["items"]
    assert wish["id"] in [item["id"] for item in listed]


@pytest.mark.parametrize(
    ("actor", "action", "body"),
    [
        ("member", "claim", None),
        ("neighbour", "cancel", None),
        ("other_worker", "review", {"decision": "approve"}),
        ("jiefang_admin", "review", {"decision": "reject", "reason": "不属于服务范围"}),
    ],
)
def test_acting_on_a_pending_wish_one_cannot_see_is_404_and_changes_nothing(world, wish_in, actor, action, body):
    wish = wish_in("pending_review")

    code, answer = world.clients[actor].post(f"/api/v1/wishes/{wish['id']}/{action}", body)

    assert code == 404, answer
    assert_error(answer, "not_found")
    after = detail(world.resident, wish["id"])
    assert after["status"] == "pending_review"
    assert after["timeline"] == wish["timeline"]


def test_an_unauthenticated_request_for_a_wish_is_401(world, wish_in, client):
    wish = wish_in("open")
    response = client.get(f"/api/v1/wishes/{wish['id']}")
    assert response.status_code == 401
    assert_error(response.get_json())
