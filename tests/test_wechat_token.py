"""The access token is shared by every process: through an expiry, 8 threads in each of 2
processes fetch it from stable_token exactly once between them."""

import json
import subprocess
import sys
import textwrap
import time
from datetime import timedelta

from server import clock
from server.extensions import db
from server.wechat import client, tokens
from server.wechat.models import WeChatToken
from tests.conftest import post_wish

WORKER = textwrap.dedent(
    """
    import json, sys, threading, time
    from server.app import create_app
    from server.wechat import client, tokens

    database_url, api_base, start_at = sys.argv[1], sys.argv[2], float(sys.argv[3])
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "WECHAT_API_BASE": api_base,
         "WECHAT_APPID": "wx-test-appid", "WECHAT_SECRET": "wx-test-secret"},
        env_name="testing",
    )
    results = []
    barrier = threading.Barrier(8)

    def worker():
        with app.app_context():
            barrier.wait()
            time.sleep(max(0.0, start_at - time.time()))
            results.append(tokens.get_token(client._fetch_stable_token))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(results))
    """
)


def _seed_expired_token(app):
    with app.app_context():
        db.session.merge(
            WeChatToken(appid="wx-test-appid", access_token="stale", expires_at=clock.now() - timedelta(hours=1))
        )
        db.session.commit()


def test_sixteen_callers_in_two_processes_fetch_the_token_once(app, fake_wechat):
    _seed_expired_token(app)
    start_at = time.time() + 4  # both processes imported and waiting by then
    args = [app.config["SQLALCHEMY_DATABASE_URI"], fake_wechat.base_url, str(start_at)]
    processes = [
        subprocess.Popen([sys.executable, "-c", WORKER, *args], stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [process.communicate(timeout=60)[0] for process in processes]

    assert [process.returncode for process in processes] == [0, 0]
    seen = [token for output in outputs for token in json.loads(output)]
    assert len(seen) == 16
    assert set(seen) == {fake_wechat.app.current_token}
    assert fake_wechat.app.calls["/cgi-bin/stable_token"] == 1


def test_a_refused_token_is_dropped_only_if_it_is_still_the_cached_one(app, fake_wechat):
    with app.app_context():
        first = tokens.get_token(client._fetch_stable_token)
        fake_wechat.app.expire_token()
        tokens.drop_token(first)
        second = tokens.get_token(client._fetch_stable_token)
        # A slow caller that also saw `first` fail must not throw away `second`.
        tokens.drop_token(first)
        assert tokens.get_token(client._fetch_stable_token) == second
    assert second != first
    assert fake_wechat.app.calls["/cgi-bin/stable_token"] == 2


def test_the_classic_token_endpoint_is_never_used(world, fake_wechat):
    post_wish(world.resident)
    assert fake_wechat.app.calls["/cgi-bin/token"] == 0
    assert fake_wechat.app.calls["/cgi-bin/stable_token"] >= 1
