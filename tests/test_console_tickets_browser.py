"""A grid worker's day in real headless Chromium: sign in, approve a pending wish, assign it to
a member found by the searchable list, see the board's row change, close a confirmed wish —
through the console's own pages only (no other host, no error in the browser console); on a
375 px phone no page scrolls sideways.

The screenshots of the board and a wish page (1366×768) go to docs/ when
MICROWISH_SCREENSHOTS=1 (the README shows them); otherwise to the test's temporary folder."""

import pytest

from tests.conftest import post_wish
from tests.console import give_password, sign_in_page
from tests.fixtures.browser import save_screenshot

SCREEN = {"width": 1366, "height": 768}
PHONE = {"width": 375, "height": 740}
# Other tickets on the board, as the demo has them: (status, title, description, category).
DEMO_LIKE = [
    ("claimed", "楼道灯坏了", "3号楼2单元三楼楼道灯不亮，晚上上下楼不方便。", "repair"),
    ("open", "陪老人去医院复查", "周四上午需要有人陪同去区医院复查。", "companion"),
    ("fulfilled", "帮忙搬运旧家具", "一楼的旧沙发需要搬到小区回收点。", "errand"),
    ("pending_review", "孩子数学辅导", "初二学生，希望每周有人辅导一次数学。", "tutoring"),
]


def _row(page, number: str):
    return page.locator("#board tbody tr", has_text=number)


@pytest.fixture
def worker_password(app, world):
    give_password(app, world.user_id("worker"), "worker")


def test_a_grid_worker_approves_assigns_and_closes_tickets_in_the_browser(
    world, wish_in, worker_password, page, live_server, browser_events, tmp_path
):
    from playwright.sync_api import expect  # loaded only where a browser test runs

    page.set_viewport_size(SCREEN)
    for status, title, description, category in DEMO_LIKE:
        wish_in(status, title=title, description=description, category=category)
    done = wish_in("confirmed", title="修理水龙头", description="厨房水龙头一直滴水。", category="repair")
    pending = post_wish(
        world.resident, title="帮忙取降压药", description="腿脚不便，想请人去社区卫生站帮忙取药。", category="errand"
    )

    sign_in_page(page, "worker")
    assert "待审核" in _row(page, pending["number"]).inner_text()
    save_screenshot(page, tmp_path, "console-board.png")

    page.click(f"text={pending['number']}")
    page.wait_for_url(f"**/console/wishes/{pending['id']}")
    page.click("#actions button:text-is('通过')")
    assert "已通过审核" in page.locator(".flash").inner_text()
    assert "待认领" in page.locator("#status").inner_text()

    page.fill("input[name=member_q]", "member2")
    expect(page.locator("#party-member option")).to_have_count(1)  # htmx swapped in the matches
    assert page.locator("#party-member option").inner_text() == "member2"
    page.locator("h1").scroll_into_view_if_needed()
    save_screenshot(page, tmp_path, "console-wish.png")
    page.click("#actions button:text-is('指派')")
    assert "已指派" in page.locator(".flash").inner_text()
    assert page.locator("#claimer").inner_text() == "member2"

    page.click("text=← 返回工单看板")
    assert "已认领" in _row(page, pending["number"]).inner_text()

    page.click(f"text={done['number']}")
    page.select_option("select[name=resolution]", "completed")
    page.fill("#actions input[name=note]", "已电话回访")
    page.click("#actions button:text-is('关闭')")
    assert "工单已关闭" in page.locator(".flash").inner_text()
    assert "已关闭" in page.locator("#status").inner_text()

    page.set_viewport_size(PHONE)
    for url in ("/console/", f"/console/wishes/{done['id']}", "/console/review"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{url} scrolls sideways"

    browser_events.assert_clean(live_server)
