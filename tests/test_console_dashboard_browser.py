"""The dashboard in real headless Chromium: a district admin signs in, the vendored ECharts
draws every chart (a canvas in each container) under the console's Content-Security-Policy
with nothing logged and nothing loaded from another host, a click on a child's bar drills down
to that node's dashboard and the breadcrumb leads back up. Saves docs/console-dashboard.png."""

from urllib.parse import parse_qs, urlsplit

from tests import test_stats
from tests.console import give_password, sign_in_page
from tests.fixtures.browser import save_screenshot

CHARTS = ("chart-status", "chart-children", "chart-weeks", "chart-months")
# The eighteen wishes of the overview tests: every chart has something to draw.
dataset = test_stats.dataset


def _charts_drawn(page) -> None:
    for chart in CHARTS:
        page.wait_for_selector(f"#{chart} canvas", state="attached")


def _first_bar_centre(page) -> dict:
    """Where the first child's first bar is drawn, in page coordinates."""
    return page.evaluate(
        """() => {
          const element = document.getElementById("chart-children");
          element.scrollIntoView({block: "center"});
          const chart = window.echarts.getInstanceByDom(element);
          const bar = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(0);
          const box = element.getBoundingClientRect();
          return {x: box.left + bar.x + bar.width / 2, y: box.top + bar.y + bar.height / 2};
        }"""
    )


def test_a_district_admin_sees_the_charts_and_drills_down_by_clicking_a_childs_bar(
    app, world, dataset, page, live_server, browser_events, tmp_path
):
    give_password(app, world.user_id("district_admin"), "district_admin")
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in_page(page, "district_admin")

    page.click("nav.menu >> text=数据看板")
    page.wait_for_url("**/console/dashboard")
    assert page.locator("h1").inner_text() == "数据看板 · 耀州区"
    _charts_drawn(page)
    assert any(url.endswith("/console/static/vendor/echarts.min.js") for url in browser_events.requests)
    assert "61.5%" in page.locator("#rates").inner_text(), "the district's response rate, 8 of 13"
    save_screenshot(page, tmp_path, "console-dashboard.png")

    centre = _first_bar_centre(page)
    page.mouse.click(centre["x"], centre["y"])
    page.wait_for_url("**/console/dashboard?area_id=*")
    street = int(parse_qs(urlsplit(page.url).query)["area_id"][0])
    assert page.locator("h1").inner_text() == "数据看板 · 永安路街道"
    _charts_drawn(page)
    assert page.locator("#children tbody tr").count() == 2, "红旗社区 and 解放社区"

    page.click("#breadcrumb >> text=耀州区")
    page.wait_for_url(f"**/console/dashboard?area_id={world.district.id}*")
    assert street != world.district.id

    # On a phone the page narrows to the screen: nothing wider than it.
    page.set_viewport_size({"width": 375, "height": 740})
    # The charts redraw on the window's resize event, a moment after the viewport changes.
    page.wait_for_function("document.documentElement.scrollWidth <= 375", timeout=5_000)

    browser_events.assert_clean(live_server)
