"""The staff console in real headless Chromium (Playwright on Debian's chromium): a grid worker
signs in through the form and sees the board; a wrong password is refused and repeated ones
lock the account; a resident cannot sign in; a form posted without its CSRF token is refused.
Every page loads only from the console's own origin and the browser logs no error, Content-
Security-Policy refusals included."""

import pytest

from tests.conftest import post_wish
from tests.console import PASSWORD, give_password, sign_in_page


@pytest.fixture
def staff(app, world):
    give_password(app, world.user_id("worker"), "worker")
    give_password(app, world.user_id("resident"), "resident")


def test_a_grid_worker_signs_in_through_the_form_and_sees_the_board(world, staff, page, live_server, browser_events):
    wish = post_wish(world.resident, title="帮忙取降压药")

    sign_in_page(page, "worker", PASSWORD, board=False)

    page.wait_for_url("**/console/")
    assert page.locator("h1").inner_text() == "工单看板"
    row = page.locator("#board tbody tr", has_text=wish["number"])
    assert "帮忙取降压药" in row.inner_text() and "待审核" in row.inner_text()
    assert page.evaluate("typeof window.htmx") == "object", "the vendored htmx loaded"
    assert any(url.endswith("/console/static/vendor/htmx.min.js") for url in browser_events.requests)
    browser_events.assert_clean(live_server)

    page.click("text=退出登录")
    page.wait_for_url("**/console/login")
    page.goto("/console/")
    assert page.url.endswith("/console/login")


def test_a_wrong_password_is_refused_and_repeated_ones_lock_the_account(
    app, staff, page, live_server, browser_events, monkeypatch
):
    monkeypatch.setattr(app.extensions["ratelimits"], "enabled", True)
    sign_in_page(page, "worker", "wrong password", board=False)
    assert "用户名或密码错误" in page.locator("#error").inner_text()

    for _ in range(4):  # RATELIMIT_CONSOLE_SIGN_IN_FAILED: 5 in 15 minutes
        sign_in_page(page, "worker", "wrong password", board=False)
    sign_in_page(page, "worker", PASSWORD, board=False)

    assert "尝试次数过多" in page.locator("#error").inner_text()
    assert page.url.endswith("/console/login")
    # The refusals (401, then 429) are logged as failed loads; nothing else may show.
    refusals = ("status of 401", "status of 429")
    browser_events.console[:] = [line for line in browser_events.console if not any(r in line for r in refusals)]
    browser_events.assert_clean(live_server)


def test_a_resident_cannot_sign_in_to_the_console(staff, page):
    sign_in_page(page, "resident", PASSWORD, board=False)

    assert "没有工作台权限" in page.locator("#error").inner_text()
    page.goto("/console/")
    assert page.url.endswith("/console/login")


def test_a_form_posted_without_its_csrf_token_is_refused(staff, page):
    page.goto("/console/login")
    page.evaluate("document.querySelector('input[name=csrf_token]').remove()")
    page.fill("input[name=username]", "worker")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")

    assert "页面已过期" in page.locator("#error").inner_text()
    page.goto("/console/")
    assert page.url.endswith("/console/login")
