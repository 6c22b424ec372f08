"""The community-life pages in real headless Chromium: a grid worker opens a practical matter
from the menu and adds a progress note, then assesses a party member's pledge, through the
forms; on a phone no page scrolls sideways; every page loads only from the console's own
origin and the browser logs no error."""

from tests.console import give_password, sign_in_page

MATTER = {"title": "老旧小区加装电梯", "description": "为3号楼加装电梯，方便老人上下楼。", "deadline": "2099-06-30"}


def test_a_grid_worker_adds_a_progress_note_and_assesses_a_pledge_in_the_browser(
    app, world, page, live_server, browser_events
):
    give_password(app, world.user_id("worker"), "worker")
    status, matter = world.worker.post("/api/v1/practical-matters", {"community_id": world.community.id, **MATTER})
    assert status == 201, matter
    status, pledge = world.member.post("/api/v1/pledges", {"text": "每月至少认领两个微心愿。"})
    assert status == 201, pledge

    sign_in_page(page, "worker")

    page.click("nav.menu >> text=为民办实事")
    page.click("#matters >> text=老旧小区加装电梯")
    page.fill("#add-note textarea[name=body]", "已完成居民意见征集，同意率92%。")
    page.select_option("#add-note select[name=status]", "in_progress")
    page.click("#add-note button[type=submit]")

    page.wait_for_url(f"**/console/matters/{matter['id']}")
    assert page.locator(".flash").inner_text() == "已添加进展，状态改为「推进中」"
    assert "已完成居民意见征集，同意率92%。" in page.locator("#notes").inner_text()
    assert page.locator("#matter-status").inner_text() == "推进中"

    page.click("nav.menu >> text=承诺践诺")
    row = page.locator(f"#pledge-{pledge['id']}")
    row.locator("select[name=outcome]").select_option("kept")
    row.locator("input[name=note]").fill("全年认领心愿十余个。")
    row.locator("button[type=submit]").click()

    page.wait_for_url("**/console/pledges**")
    assert page.locator(".flash").inner_text() == "已评定承诺：已践诺"
    assessed = page.locator(f"#pledge-{pledge['id']}").inner_text()
    assert "已践诺" in assessed and "全年认领心愿十余个。" in assessed
    assert world.member.get(f"/api/v1/pledges/{pledge['id']}")[1]["status"] == "kept"

    page.set_viewport_size({"width": 375, "height": 740})
    for path in (
        "/console/units",
        "/console/matters",
        f"/console/matters/{matter['id']}",
        "/console/posts",
        "/console/pledges",
    ):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, f"{path} scrolls sideways on a phone"

    browser_events.assert_clean(live_server)
