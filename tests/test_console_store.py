"""The points store in the staff console: the shelf with price and stock, a reward put on it
and restocked through forms, the redemptions by state, an item handed over against its pick-up
code once (a second time is a message), a redemption called off with its points refunded;
another community's staff do none of it."""

import pytest

from server.core.extensions import db
from server.store.models import Redemption, Reward
from tests.console_pages import page_text, post_form, signed_in, stored
from tests.test_store import balance, give_points, put_on_shelf, redeem

STORE = "/console/store"
REDEMPTIONS = "/console/store/redemptions"


@pytest.fixture
def console(app, world):
    return lambda name: signed_in(app, world, name)


@pytest.fixture
def bought(app, world):
    """The resident redeemed a bag of rice from the community's store (30 points of 100)."""
    rice = put_on_shelf(world)
    give_points(app, world.user_id("resident"), 100)
    return redeem(world.resident, rice["id"])


def test_the_shelf_lists_the_rewards_with_price_and_stock(world, console):
    rice = put_on_shelf(world)

    shelf = page_text(console("worker"), STORE)

    row = shelf[shelf.index(f'id="reward-{rice["id"]}"') :]
    row = row[: row.index("</tr>")]
    assert "大米一袋" in row and ">30</td>" in row and 'class="stock">2</td>' in row


def test_a_grid_worker_puts_a_reward_on_the_community_shelf_through_the_form(app, world, console):
    worker = console("worker")
    form = {"title": "洗衣液", "area_id": str(world.community.id), "price_points": "20", "stock": "5"}

    response = post_form(worker, f"{STORE}/rewards", form, page=STORE)

    assert response.status_code == 303
    saved = stored(app, lambda: db.session.query(Reward).filter_by(title="洗衣液").one())
    assert (saved.area_id, saved.price_points, saved.stock) == (world.community.id, 20, 5)
    assert "商品“洗衣液”已上架" in page_text(worker, response.headers["Location"])


def test_a_reward_with_no_price_is_refused_with_the_reason(app, world, console):
    worker = console("worker")
    form = {"title": "洗衣液", "area_id": str(world.community.id), "price_points": "0", "stock": "5"}

    assert post_form(worker, f"{STORE}/rewards", form, page=STORE).status_code == 303

    assert "price_points" in page_text(worker, STORE)
    assert stored(app, lambda: db.session.query(Reward).count()) == 0


def test_restocking_adds_to_the_stock(app, world, console):
    rice = put_on_shelf(world)
    worker = console("worker")

    response = post_form(worker, f"{STORE}/rewards/{rice['id']}/restock", {"quantity": "3"}, page=STORE)

    assert response.status_code == 303
    assert stored(app, lambda: db.session.get(Reward, rice["id"]).stock) == 5
    assert "现有库存 5" in page_text(worker, STORE)


def test_a_worker_of_another_community_cannot_restock_it(app, world, console):
    rice = put_on_shelf(world)
    other = console("jiefang_admin")

    post_form(other, f"{STORE}/rewards/{rice['id']}/restock", {"quantity": "3"}, page=STORE)

    assert "只有该社区的网格员或管理员可以管理积分超市" in page_text(other, STORE)
    assert stored(app, lambda: db.session.get(Reward, rice["id"]).stock) == 2


def test_the_pick_up_code_hands_the_item_over_once_and_a_second_time_is_a_message(app, world, console, bought):
    worker = console("worker")
    typed = bought["code"].lower()[:4] + "-" + bought["code"].lower()[4:]  # as read off a phone

    first = post_form(worker, f"{STORE}/verify", {"code": typed}, page=STORE)
    assert first.status_code == 303
    assert "核销成功：r*******" in page_text(worker, first.headers["Location"])
    second = post_form(worker, f"{STORE}/verify", {"code": bought["code"]}, page=STORE)

    assert second.status_code == 303
    assert "该兑换已核销，不能重复核销" in page_text(worker, STORE)
    assert stored(app, lambda: db.session.get(Redemption, bought["id"]).status) == "collected"


def test_an_unknown_pick_up_code_is_a_message(world, console, bought):
    worker = console("worker")

    post_form(worker, f"{STORE}/verify", {"code": "ZZZZZZZZ"}, page=STORE)

    assert "未找到该核销码对应的兑换记录" in page_text(worker, STORE)


def test_another_communitys_admin_cannot_verify_a_code_of_this_store(app, world, console, bought):
    other = console("jiefang_admin")

    post_form(other, f"{STORE}/verify", {"code": bought["code"]}, page=STORE)

    assert "未找到该核销码对应的兑换记录" in page_text(other, STORE)
    assert stored(app, lambda: db.session.get(Redemption, bought["id"]).status) == "pending"


def test_the_redemptions_are_listed_by_state_with_masked_names_and_no_codes(world, console, bought):
    worker = console("worker")

    pending = page_text(worker, f"{REDEMPTIONS}?status=pending")
    collected = page_text(worker, f"{REDEMPTIONS}?status=collected")

    assert f'id="redemption-{bought["id"]}"' in pending and "待领取" in pending and "r*******" in pending
    assert bought["code"] not in pending, "the code is the redeemer's to show"
    assert f'id="redemption-{bought["id"]}"' not in collected
    assert f'id="redemption-{bought["id"]}"' not in page_text(console("jiefang_admin"), REDEMPTIONS)


def test_cancelling_a_redemption_refunds_its_points_and_puts_the_item_back(app, world, console, bought):
    worker = console("worker")

    response = post_form(worker, f"{REDEMPTIONS}/{bought['id']}/cancel", {"reason": "居民不需要了"}, page=REDEMPTIONS)

    assert response.status_code == 303
    assert balance(world.resident) == 100
    assert stored(app, lambda: db.session.get(Reward, bought["reward"]["id"]).stock) == 2
    listing = page_text(worker, REDEMPTIONS)
    assert "积分已退回" in listing and "已取消" in listing
    again = post_form(worker, f"{REDEMPTIONS}/{bought['id']}/cancel", {}, page=REDEMPTIONS)
    assert again.status_code == 303
    assert "当前状态不允许此操作" in page_text(worker, REDEMPTIONS)


@pytest.mark.parametrize("name", ["worker", "community_admin", "district_admin"])
def test_each_community_page_opens_for_each_kind_of_staff_with_its_menu_entry(world, console, name):
    client = console(name)

    for path in (STORE, REDEMPTIONS, "/console/activities", "/console/activities/new", "/console/announcements"):
        page = page_text(client, path)
        assert all(f">{entry}</a>" in page for entry in ("志愿活动", "通知公告", "积分商城")), path
