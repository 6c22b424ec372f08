"""The points store (积分超市): a community's shelf, redemptions paid from the ledger, the
pick-up code verified once, cancellations refunded by a reversing entry."""

import itertools

import pytest

from server.core.extensions import db
from server.points.operations import award
from tests.conftest import login

_SOURCES = itertools.count(1)

RICE = {"title": "大米一袋", "description": "5公斤装", "price_points": 30, "stock": 2, "donor": "区供电分公司"}


def give_points(app, user_id: int, points: int) -> None:
    with app.app_context():
        award(user_id, points, "wish_confirmed", f"test-gift:{next(_SOURCES)}")
        db.session.commit()


def balance(api) -> int:
    status, body = api.get("/api/v1/me/points")
    assert status == 200, body
    return body["balance"]


def put_on_shelf(world, api=None, **overrides) -> dict:
    api = api or world.worker
    status, body = api.post("/api/v1/rewards", {**RICE, "area_id": world.community.id, **overrides})
    assert status == 201, body
    return body


def redeem(api, reward_id: int, expect: int = 201) -> dict:
    status, body = api.post(f"/api/v1/rewards/{reward_id}/redeem")
    assert status == expect, body
    return body


def patch(api, path: str, body: dict):
    response = api.client.patch(path, json=body, headers={"Authorization": f"Bearer {api.token}"})
    return response.status_code, response.get_json()


def stock_of(api, reward_id: int) -> int:
    status, body = api.get(f"/api/v1/rewards/{reward_id}")
    assert status == 200, body
    return body["stock"]


@pytest.fixture
def rice(world):
    return put_on_shelf(world)


@pytest.fixture
def rich_member(app, world):
    give_points(app, world.user_id("member"), 100)
    return world.member


# -- the shelf ------------------------------------------------------------------------------


def test_a_grid_worker_puts_a_donated_reward_on_the_community_shelf_with_price_and_stock(world, rice):
    assert rice["price_points"] == 30 and rice["stock"] == 2 and rice["status"] == "active"
    assert rice["donor"] == "区供电分公司"
    status, shelf = world.resident.get("/api/v1/rewards")  # the resident's home grid is in that community
    assert status == 200
    assert [(item["id"], item["price_points"], item["stock"]) for item in shelf["items"]] == [(rice["id"], 30, 2)]
    assert shelf["next_cursor"] is None


def test_a_community_shelf_holds_its_grids_rewards_and_a_grid_sees_its_communitys(world, rice):
    grid_reward = put_on_shelf(world, title="理发一次", area_id=world.grid.id)
    _, from_community = world.resident.get("/api/v1/rewards", area_id=world.community.id)
    _, from_grid = world.resident.get("/api/v1/rewards", area_id=world.grid.id)
    _, from_other_grid = world.resident.get("/api/v1/rewards", area_id=world.other_grid.id)
    _, from_jiefang = world.resident.get("/api/v1/rewards", area_id=world.other_community_grid.id)
    assert {item["id"] for item in from_community["items"]} == {rice["id"], grid_reward["id"]}
    assert {item["id"] for item in from_grid["items"]} == {rice["id"], grid_reward["id"]}
    assert {item["id"] for item in from_other_grid["items"]} == {rice["id"]}
    assert from_jiefang["items"] == []


def test_the_shelf_pages_newest_first_with_a_cursor(world):
    ids = [put_on_shelf(world, title=f"商品{n}")["id"] for n in range(3)]
    status, first = world.resident.get("/api/v1/rewards", limit=2)
    assert status == 200
    assert [item["id"] for item in first["items"]] == ids[:0:-1]
    _, rest = world.resident.get("/api/v1/rewards", limit=2, cursor=first["next_cursor"])
    assert [item["id"] for item in rest["items"]] == [ids[0]] and rest["next_cursor"] is None


@pytest.mark.parametrize("who", ["resident", "member", "jiefang_admin"])
def test_only_staff_of_that_area_put_rewards_on_its_shelf(world, who):
    status, body = world.clients[who].post("/api/v1/rewards", {**RICE, "area_id": world.community.id})
    assert status == 403, body


def test_a_grid_worker_of_one_grid_cannot_stock_another_grids_shelf(world):
    status, body = world.other_worker.post("/api/v1/rewards", {**RICE, "area_id": world.grid.id})
    assert status == 403, body


def test_a_store_is_a_community_or_a_grid_not_a_district(world):
    status, body = world.district_admin.post("/api/v1/rewards", {**RICE, "area_id": world.district.id})
    assert status == 422, body
    assert "area_id" in body["error"]["details"]


def test_a_reward_with_a_risky_title_is_refused(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "BANNED_WORDS", ["高利贷"])
    status, body = world.worker.post("/api/v1/rewards", {**RICE, "title": "高 利 贷", "area_id": world.community.id})
    assert status == 422, body
    assert body["error"]["code"] == "content_risky"


def test_staff_edit_the_price_and_restock_and_a_pending_redemption_keeps_what_it_paid(app, world, rice, rich_member):
    bought = redeem(rich_member, rice["id"])
    status, edited = patch(world.worker, f"/api/v1/rewards/{rice['id']}", {"price_points": 40, "title": "东北大米一袋"})
    assert (status, edited["price_points"]) == (200, 40), edited
    status, restocked = world.worker.post(f"/api/v1/rewards/{rice['id']}/restock", {"quantity": 5})
    assert status == 200, restocked
    assert (restocked["title"], restocked["price_points"], restocked["stock"]) == ("东北大米一袋", 40, 6)
    redeem(rich_member, rice["id"])
    assert balance(rich_member) == 100 - 30 - 40
    status, cancelled = rich_member.post(f"/api/v1/redemptions/{bought['id']}/cancel")
    assert status == 200, cancelled
    assert balance(rich_member) == 100 - 40


def test_residents_cannot_edit_restock_or_withdraw(world, rice):
    assert patch(world.resident, f"/api/v1/rewards/{rice['id']}", {"stock": 99})[0] == 422  # stock is not edited
    assert patch(world.resident, f"/api/v1/rewards/{rice['id']}", {"price_points": 1})[0] == 403
    assert world.resident.post(f"/api/v1/rewards/{rice['id']}/restock", {"quantity": 5})[0] == 403
    assert world.resident.post(f"/api/v1/rewards/{rice['id']}/withdraw")[0] == 403
    assert stock_of(world.resident, rice["id"]) == 2


def test_a_withdrawn_reward_leaves_the_shelf_and_cannot_be_redeemed(world, rice, rich_member):
    status, withdrawn = world.worker.post(f"/api/v1/rewards/{rice['id']}/withdraw")
    assert (status, withdrawn["status"]) == (200, "withdrawn")
    _, shelf = world.resident.get("/api/v1/rewards")
    assert shelf["items"] == []
    refused = redeem(rich_member, rice["id"], expect=409)
    assert refused["error"]["details"]["status"] == "withdrawn"
    assert balance(rich_member) == 100
    assert world.worker.post(f"/api/v1/rewards/{rice['id']}/withdraw")[0] == 409


# -- redeeming --------------------------------------------------------------------------------


def test_redeeming_debits_the_price_takes_one_from_stock_and_gives_the_redeemer_a_code(world, rice, rich_member):
    bought = redeem(rich_member, rice["id"])
    assert bought["status"] == "pending"
    assert bought["price_points"] == 30
    assert bought["reward"] == {"id": rice["id"], "title": rice["title"]}
    assert len(bought["code"]) == 8
    assert stock_of(world.resident, rice["id"]) == 1
    _, points = rich_member.get("/api/v1/me/points")
    assert points["balance"] == 70
    debit = points["items"][0]
    assert (debit["delta"], debit["reason"], debit["source"]) == (-30, "store_redeem", f"redemption:{bought['id']}")


def test_two_redemptions_get_different_codes(world, rice, rich_member):
    assert redeem(rich_member, rice["id"])["code"] != redeem(rich_member, rice["id"])["code"]


def test_too_few_points_is_409_and_leaves_stock_and_balance_as_they_were(app, world, rice):
    give_points(app, world.user_id("member"), 29)
    refused = redeem(world.member, rice["id"], expect=409)
    assert refused["error"]["code"] == "insufficient_points"
    assert refused["error"]["details"] == {"balance": 29, "price_points": 30}
    assert stock_of(world.member, rice["id"]) == 2
    assert balance(world.member) == 29
    _, mine = world.member.get("/api/v1/me/redemptions")
    assert mine["items"] == []


def test_no_stock_is_409(world, rich_member):
    reward = put_on_shelf(world, stock=1)
    redeem(rich_member, reward["id"])
    refused = redeem(rich_member, reward["id"], expect=409)
    assert refused["error"]["code"] == "out_of_stock"
    assert balance(rich_member) == 70


def test_someone_living_in_another_community_cannot_redeem_from_this_shelf(app, world, rice):
    give_points(app, world.user_id("jiefang_admin"), 100)
    refused = redeem(world.jiefang_admin, rice["id"], expect=403)
    assert refused["error"]["code"] == "not_in_community"


def test_a_missing_reward_is_404(world):
    assert world.member.post("/api/v1/rewards/999999/redeem")[0] == 404


def test_a_redemption_retried_with_its_idempotency_key_is_bought_once(world, rice, rich_member):
    headers = {"Idempotency-Key": "redeem-rice-1"}
    first = rich_member.post(f"/api/v1/rewards/{rice['id']}/redeem", headers=headers)
    again = rich_member.post(f"/api/v1/rewards/{rice['id']}/redeem", headers=headers)
    assert first == again and first[0] == 201
    assert balance(rich_member) == 70
    assert stock_of(world.resident, rice["id"]) == 1


# -- who sees the code ---------------------------------------------------------------------------


def test_the_code_is_in_the_redeemers_list_and_absent_from_every_staff_answer(world, rice, rich_member):
    bought = redeem(rich_member, rice["id"])
    _, mine = rich_member.get("/api/v1/me/redemptions")
    assert [item["code"] for item in mine["items"]] == [bought["code"]]

    status, by_reward = world.worker.get("/api/v1/redemptions", reward_id=rice["id"])
    assert status == 200, by_reward
    assert [item["id"] for item in by_reward["items"]] == [bought["id"]]
    assert "code" not in by_reward["items"][0]
    assert by_reward["items"][0]["user"] == {"id": world.user_id("member"), "nickname": "member"}
    _, by_area = world.community_admin.get("/api/v1/redemptions", area_id=world.community.id)
    assert [item["id"] for item in by_area["items"]] == [bought["id"]] and "code" not in by_area["items"][0]

    status, collected = world.worker.post(f"/api/v1/redemptions/{bought['id']}/verify", {"code": bought["code"]})
    assert status == 200 and "code" not in collected
    assert bought["code"] not in str(collected)


def test_staff_lists_cover_only_the_stores_they_run(world, rice, rich_member):
    bought = redeem(rich_member, rice["id"])
    # A grid worker of another grid of the same community runs its community store too.
    _, theirs = world.other_worker.get("/api/v1/redemptions")
    assert [item["id"] for item in theirs["items"]] == [bought["id"]]
    _, jiefang = world.jiefang_admin.get("/api/v1/redemptions")
    assert jiefang["items"] == []
    assert world.jiefang_admin.get("/api/v1/redemptions", reward_id=rice["id"])[0] == 403
    assert world.jiefang_admin.get("/api/v1/redemptions", area_id=world.community.id)[0] == 403
    assert world.resident.get("/api/v1/redemptions")[0] == 403


def test_another_residents_redemption_is_not_found(world, rice, rich_member):
    bought = redeem(rich_member, rice["id"])
    status, body = world.neighbour.post(f"/api/v1/redemptions/{bought['id']}/cancel")
    assert status == 404, body


# -- pick-up (核销) -------------------------------------------------------------------------------


def test_the_grid_worker_verifies_the_code_once_and_the_redeemer_hears_of_it(world, rice, rich_member):
    bought = redeem(rich_member, rice["id"])
    url = f"/api/v1/redemptions/{bought['id']}/verify"
    status, collected = world.worker.post(url, {"code": bought["code"].lower()})
    assert (status, collected["status"]) == (200, "collected")
    assert collected["collected_at"] is not None
    status, again = world.worker.post(url, {"code": bought["code"]})
    assert status == 409, again
    assert again["error"]["details"]["status"] == "collected"
    _, inbox = rich_member.get("/api/v1/notifications")
    assert [item["kind"] for item in inbox["items"]] == ["redemption_collected"]


def test_a_wrong_code_is_422_and_the_redemption_stays_pending(world, rice, rich_member):
    bought = redeem(rich_member, rice["id"])
    wrong = "22222222" if bought["code"] != "22222222" else "33333333"
    status, body = world.worker.post(f"/api/v1/redemptions/{bought['id']}/verify", {"code": wrong})
    assert status == 422, body
    assert body["error"]["code"] == "wrong_code"
    _, mine = rich_member.get("/api/v1/me/redemptions")
    assert mine["items"][0]["status"] == "pending"


def test_staff_of_another_community_cannot_verify(world, rice, rich_member):
    bought = redeem(rich_member, rice["id"])
    status, body = world.jiefang_admin.post(f"/api/v1/redemptions/{bought['id']}/verify", {"code": bought["code"]})
    assert status == 404, body
    _, mine = rich_member.get("/api/v1/me/redemptions")
    assert mine["items"][0]["status"] == "pending"


def test_the_redeemer_cannot_verify_their_own_redemption(app, world, rice):
    give_points(app, world.user_id("worker"), 100)
    bought = redeem(world.worker, rice["id"])
    status, body = world.worker.post(f"/api/v1/redemptions/{bought['id']}/verify", {"code": bought["code"]})
    assert status == 403, body


# -- cancelling -----------------------------------------------------------------------------------


def test_cancelling_refunds_with_a_reversing_entry_and_puts_the_item_back(world, rice, rich_member):
    bought = redeem(rich_member, rice["id"])
    status, cancelled = rich_member.post(f"/api/v1/redemptions/{bought['id']}/cancel")
    assert (status, cancelled["status"]) == (200, "cancelled")
    assert stock_of(world.resident, rice["id"]) == 2
    _, points = rich_member.get("/api/v1/me/points")
    assert points["balance"] == 100
    store_entries = [(e["delta"], e["reason"]) for e in points["items"] if e["source"] == f"redemption:{bought['id']}"]
    assert store_entries == [(30, "store_refund"), (-30, "store_redeem")]  # the debit is kept, reversed
    assert rich_member.post(f"/api/v1/redemptions/{bought['id']}/cancel")[0] == 409
    assert balance(rich_member) == 100
    assert world.worker.post(f"/api/v1/redemptions/{bought['id']}/verify", {"code": bought["code"]})[0] == 409


def test_staff_cancel_with_a_reason_and_the_redeemer_hears_of_it(world, rice, rich_member):
    bought = redeem(rich_member, rice["id"])
    status, cancelled = world.worker.post(f"/api/v1/redemptions/{bought['id']}/cancel", {"reason": "逾期未领取"})
    assert status == 200, cancelled
    assert cancelled["cancel_reason"] == "逾期未领取"
    _, inbox = rich_member.get("/api/v1/notifications")
    assert [item["kind"] for item in inbox["items"]] == ["redemption_cancelled"]
    assert "逾期未领取" in inbox["items"][0]["body"]
    assert balance(rich_member) == 100


def test_the_redeemer_cancelling_is_not_told_of_it(world, rice, rich_member):
    bought = redeem(rich_member, rice["id"])
    rich_member.post(f"/api/v1/redemptions/{bought['id']}/cancel")
    _, inbox = rich_member.get("/api/v1/notifications")
    assert inbox["items"] == []


def test_a_collected_redemption_cannot_be_cancelled(world, rice, rich_member):
    bought = redeem(rich_member, rice["id"])
    world.worker.post(f"/api/v1/redemptions/{bought['id']}/verify", {"code": bought["code"]})
    status, body = rich_member.post(f"/api/v1/redemptions/{bought['id']}/cancel")
    assert status == 409, body
    assert balance(rich_member) == 70


def test_an_emptied_donor_means_the_community_gives_it(world, rice):
    status, edited = patch(world.worker, f"/api/v1/rewards/{rice['id']}", {"donor": " ", "description": ""})
    assert status == 200, edited
    assert (edited["donor"], edited["description"]) == (None, None)


def test_the_shelf_without_a_home_grid_or_an_area_is_422(client, factory):
    factory.user("drifter")
    status, body = login(client, "drifter").get("/api/v1/rewards")
    assert status == 422, body
    assert "area_id" in body["error"]["details"]
