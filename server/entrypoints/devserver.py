"""`make run`: the database with demo data on first start, the fake WeChat (unless
WECHAT_API_BASE is set), and the development server on 127.0.0.1:$PORT."""

import logging
import os
import sys

from server.core import logs
from server.settings import ConfigError
from server.wechat.fake import FakeWeChatServer


def main() -> int:
    logs.install()
    port = _port()
    from server.app import create_app
    from server.entrypoints.cli import DatabaseNotMigrated, prepare_database

    try:
        app = create_app()
    except ConfigError as exc:
        print(f"micro-wish: {exc}", file=sys.stderr)
        return 2
    if not app.config["WECHAT_API_BASE"]:
        fake = FakeWeChatServer(
            app.config["WECHAT_APPID"],
            app.config["WECHAT_SECRET"],
            # Image-check verdicts are pushed back here, signed as WeChat signs them.
            push_url=f"http://127.0.0.1:{port}/wechat/push",
            push_token=app.config["WECHAT_PUSH_TOKEN"],
        ).start()
        app.config["WECHAT_API_BASE"] = fake.base_url
        logging.info("fake WeChat serving on %s (login code dev:<openid>)", fake.base_url)
    if not app.config["PUBLIC_BASE_URL"]:
        # Outside a request (the media_recheck job) links for WeChat's image check need a host.
        app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    try:
        if prepare_database(app, with_demo=app.config["DEMO_DATA"]):
            logging.info("demo data loaded")
    except DatabaseNotMigrated as exc:
        print(f"micro-wish: {exc.message}", file=sys.stderr)
        return 2
    if app.config["DEMO_DATA"]:
        _print_console_sign_in(port)
    # The scheduled jobs beside the dev server (daemon threads; the lease keeps it to one).
    from server.jobs.scheduler import start_in_background

    start_in_background(app)
    app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False)
    return 0


def _print_console_sign_in(port: int) -> None:
    from server.entrypoints import demo

    print(
        f"staff console: http://127.0.0.1:{port}/console/login — sign in as "
        f"{' or '.join(demo.CONSOLE_STAFF)} with password {demo.staff_password()!r} (DEMO_STAFF_PASSWORD)",
        flush=True,
    )


def _port() -> int:
    raw = os.environ.get("PORT", "5000")
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        print(f"micro-wish: PORT={raw!r} is not a port number", file=sys.stderr)
        sys.exit(2)
    return int(raw)


if __name__ == "__main__":
    sys.exit(main())
