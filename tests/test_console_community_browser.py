"""Activities and the points store in real headless Chromium: a grid worker publishes an
activity through the form, prints its check-in QR code (an SVG drawn from exactly its check-in
code, big on an A4 page), and hands a resident's reward over against its pick-up code. Nothing
is loaded from another host and the browser logs no error."""

import re
from datetime import timedelta

import segno

from server.core import clock
from tests.console import give_password, sign_in_page
from tests.test_store import give_points, put_on_shelf, redeem


def test_a_grid_worker_publishes_an_activity_prints_its_qr_code_and_verifies_a_pick_up_code(
    app, world, page, live_server, browser_events
):
    give_password(app, world.user_id("worker"), "worker")
    give_points(app, world.user_id("resident"), 100)
    bought = redeem(world.resident, put_on_shelf(world)["id"])
    day = (clock.now() + timedelta(days=4)).astimezone(clock.SHANGHAI).date()

    sign_in_page(page, "worker")
    page.click("nav >> text=志愿活动")
    page.click("text=发布活动")
    page.fill("input[name=title]", "社区义诊")
    page.fill("textarea[name=description]", "区医院医生为老人量血压。")
    page.fill("input[name=place]", "红旗社区活动室")
    page.fill("input[name=starts_at]", f"{day}T09:00")
    page.fill("input[name=ends_at]", f"{day}T11:00")
    page.fill("input[name=capacity]", "8")
    page.click("#activity-form button[type=submit]")

    page.wait_for_url(re.compile(r".*/console/activities/\d+$"))
    assert "活动“社区义诊”已发布" in page.locator(".flash").inner_text()
    code = page.locator("#checkin-code").inner_text()
    page.click("#print-qr")
    page.wait_for_url("**/qr")
    drawn = segno.make_qr(code, error="m").svg_inline(omitsize=True, border=4, title=f"签到码 {code}")
    expected_path = re.search(r' d="([^"]+)"', drawn).group(1)
    assert page.locator("#checkin-qr svg path").get_attribute("d") == expected_path
    assert f"{day} 09:00" in page.locator(".qr-when").inner_text()
    page.emulate_media(media="print")
    assert page.locator("#checkin-qr svg").bounding_box()["width"] > 550, "150 mm (567 px) on the printed A4 sheet"
    page.emulate_media(media="screen")

    page.goto("/console/store")
    page.fill("#verify-form input[name=code]", bought["code"])
    page.click("#verify-form button[type=submit]")
    page.wait_for_url("**/console/store/redemptions")
    assert "核销成功" in page.locator(".flash").inner_text()
    assert page.locator(f"#redemption-{bought['id']} .state").inner_text() == "已领取"
    page.set_viewport_size({"width": 375, "height": 740})
    for path in ("/console/store/redemptions", "/console/store", "/console/activities/new"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, f"{path} scrolls sideways on a phone"

    browser_events.assert_clean(live_server)
