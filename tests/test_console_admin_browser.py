"""Setting up a grid in real headless Chromium: a district admin signs in, creates a grid under a
community, finds a resident with the htmx search, makes them the grid's worker and gives them a
console password; the new worker then signs in. Nothing is loaded from another host and the
browser logs no error."""

from sqlalchemy import select

from server.areas.models import Area
from server.core.extensions import db
from tests.console import give_password, sign_in_page

ADMIN_PASSWORD = "district-admin-pass"
WORKER_PASSWORD = "new-worker-password"


def test_a_district_admin_sets_up_a_grid_and_its_worker_who_then_signs_in(
    app, world, page, live_server, browser_events
):
    give_password(app, world.user_id("district_admin"), "district", ADMIN_PASSWORD)
    sign_in_page(page, "district", ADMIN_PASSWORD)
    page.wait_for_url("**/console/")

    page.click("nav.menu >> text=区域管理")
    community = page.locator(f"#area-{world.community.id}")
    community.locator(":scope > details > summary").click()
    community.locator(":scope > details input[name=name][placeholder]").fill("红旗社区第3网格")
    community.locator(":scope > details button", has_text="新建").click()
    assert "已新建网格" in page.locator(".flash").inner_text()
    with app.app_context():
        grid_id = db.session.scalar(select(Area.id).where(Area.name == "红旗社区第3网格"))

    page.click("nav.menu >> text=人员权限")
    page.fill("#people-q", "neighbour")
    page.locator(f"#people input[value='{world.user_id('neighbour')}']").check()  # put there by htmx
    page.select_option("select[name=role]", "grid_worker")
    page.select_option("#grant-area", str(grid_id))
    page.click("#grant-form button[type=submit]")
    assert "已授予 neighbour 网格员" in page.locator(".flash").inner_text()

    row = page.locator("#staff tbody tr", has_text="红旗社区第3网格")
    row.locator("summary").click()
    row.locator("input[name=username]").fill("hongqi-3")
    row.locator("input[name=password]").fill(WORKER_PASSWORD)
    row.locator("button", has_text="保存").click()
    assert "已设置登录账号：hongqi-3" in page.locator(".flash").inner_text()
    browser_events.assert_clean(live_server)

    page.click("text=退出登录")
    page.wait_for_url("**/console/login")
    sign_in_page(page, "hongqi-3", WORKER_PASSWORD)
    page.wait_for_url("**/console/")
    assert page.locator("h1").inner_text() == "工单看板"
    assert "红旗社区第3网格" in page.locator(".scope").inner_text()
    browser_events.assert_clean(live_server)
