"""The console board's load time with the demo data (issue 14: "note what you measured").

    .venv/bin/python -m bench.console_board [--requests 200] [--loads 10]

Loads the demo into a fresh SQLite database (as ``make run`` does: server/entrypoints/cli.py
``prepare_database``), signs in as the demo grid worker and the demo admin, and prints:

- server: the board through the test client, N requests each: the median wall time and the
  app's CPU time per request (``time.process_time``; on a shared machine wall time is noise);
- browser: the board in headless Chromium (Debian's /usr/bin/chromium, Playwright) from a live
  server, median of a few loads: navigation start to the first row visible and to ``load``.
"""

import argparse
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

BOARD = "/console/"
STAFF = ("demo-grid-worker", "demo-admin")


def make_app(database: Path):
    """The development app on a fresh database with the demo, beside the fake WeChat (as ``make run``)."""
    from server.app import create_app
    from server.entrypoints.cli import prepare_database
    from server.wechat.fake import FakeWeChatServer

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "RATELIMIT_ENABLED": False}, env_name="development"
    )
    fake = FakeWeChatServer(app.config["WECHAT_APPID"], app.config["WECHAT_SECRET"]).start()
    app.config["WECHAT_API_BASE"] = fake.base_url
    started = time.perf_counter()
    prepare_database(app, with_demo=True)
    print(f"demo loaded in {time.perf_counter() - started:.1f} s")
    return app


def signed_in(app, username: str):
    from server.entrypoints.demo import staff_password
    from tests.console import sign_in

    client = app.test_client()
    assert sign_in(client, username, staff_password()).status_code == 303
    return client


def server_figures(app, username: str, requests: int) -> None:
    client = signed_in(app, username)
    html = client.get(BOARD).get_data(as_text=True)
    rows = html.count("<tr data-wish=")
    walls, cpus = [], []
    for _ in range(requests):
        wall, cpu = time.perf_counter(), time.process_time()
        assert client.get(BOARD).status_code == 200
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    print(
        f"server  {username:<17} {rows:>3} rows: median {statistics.median(walls) * 1000:6.1f} ms wall, "
        f"{statistics.median(cpus) * 1000:6.1f} ms CPU per request ({requests} requests)"
    )


def browser_figures(app, username: str, loads: int) -> None:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from server.entrypoints.demo import staff_password

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_context(base_url=base, viewport={"width": 1366, "height": 768}).new_page()
            page.goto("/console/login")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", staff_password())
            page.click("button[type=submit]")
            page.wait_for_url("**/console/")
            figures = {name: [] for name in TIMINGS}
            for _ in range(loads):
                page.goto(BOARD, wait_until="load")
                page.locator("#board tbody tr").first.wait_for(state="visible")
                timing = page.evaluate(TIMING_SCRIPT)
                for name in TIMINGS:
                    figures[name].append(timing[name])
            browser.close()
    finally:
        server.shutdown()
    medians = ", ".join(f"{label} {statistics.median(figures[name]):6.1f} ms" for name, label in TIMINGS.items())
    print(f"browser {username:<17}: {medians} after navigation start (median of {loads} loads)")


# The rows are in the HTML the server sends, so the first contentful paint shows them.
TIMINGS = {
    "responseEnd": "HTML received",
    "firstPaint": "first row painted",
    "domContentLoadedEventEnd": "DOMContentLoaded",
    "loadEventEnd": "load",
}
TIMING_SCRIPT = """(() => {
  const navigation = performance.getEntriesByType('navigation')[0].toJSON();
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  return {...navigation, firstPaint: paint ? paint.startTime : NaN};
})()"""


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--loads", type=int, default=10)
    options = parser.parse_args()
    os.environ.setdefault("MICROWISH_ENV", "development")
    with tempfile.TemporaryDirectory() as work:
        app = make_app(Path(work) / "demo.db")
        for username in STAFF:
            server_figures(app, username, options.requests)
        for username in STAFF:
            browser_figures(app, username, options.loads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
