"""The fake WeChat (server/wechat/fake.py) whose content check takes ``--delay`` seconds.

    python -m bench.slow_wechat --port 8901 --delay 0.3

WeChat's msg_sec_check answers in tens of milliseconds on a good day and in seconds on a bad one
(the app waits up to WECHAT_READ_TIMEOUT_SECONDS). Every post and fulfilment waits on it, so the
delay decides how a WSGI server fares: a sync worker is blocked for the whole wait, a thread or
a greenlet only parks. `python -m bench.servers` serves the candidates against this.
"""

import argparse
import time

from server.wechat.fake import FakeWeChatServer

CHECKED = ("/wxa/msg_sec_check",)


def slowed(app, delay: float):
    """``app`` (a WSGI callable) with every content check ``delay`` seconds late."""

    def answer(environ, start_response):
        if environ.get("PATH_INFO") in CHECKED:
            time.sleep(delay)
        return app(environ, start_response)

    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8901)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds each content check takes")
    args = parser.parse_args()
    server = FakeWeChatServer("wx-dev-appid", "wx-dev-secret", port=args.port)
    if args.delay:
        server._server.app = slowed(server.app, args.delay)  # werkzeug's server calls its .app
    print(f"fake WeChat on {server.base_url}, content checks {args.delay} s", flush=True)
    server._server.serve_forever()


if __name__ == "__main__":
    main()
