"""The access token is shared by every process, in the database or (REDIS_URL) in Redis:
through an expiry, 8 threads in each of 2 processes fetch it from stable_token exactly once
between them."""

import json
import subprocess
import sys
import textwrap
import time
from datetime import timedelta

import pytest
import redis

from server.core import clock
from server.core.extensions import db
from server.wechat import client, tokens, tokens_redis
from server.wechat.errors import WeChatBusy
from server.wechat.models import WeChatToken
from tests.conftest import post_wish

# The token store writes on a connection of its own (server/wechat/tokens_db.py).
pytestmark = pytest.mark.commits

WORKER = textwrap.dedent(
    """
    import json, sys, threading, time
    from server.app import create_app
    from server.wechat import client, tokens

    database_url, api_base, start_at, redis_url = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "WECHAT_API_BASE": api_base, "REDIS_URL": redis_url,
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


@pytest.fixture(params=["database", "redis"])
def token_app(request, app, make_app):
    """The app whose token store is under test: the session app (database) or one with REDIS_URL."""
    if request.param == "database":
        return app
    return make_app(REDIS_URL=request.getfixturevalue("redis_url"))


def _seed_expired_token(token_app):
    with token_app.app_context():
        if token_app.config["REDIS_URL"]:
            # Redis forgets a token when its time to live ends: this one ends before the race.
            tokens_redis.get_redis().set(tokens_redis._key("access_token"), "stale", px=500)
            return
        db.session.merge(
            WeChatToken(appid="wx-test-appid", access_token="stale", expires_at=clock.now() - timedelta(hours=1))
        )
        db.session.commit()


def test_sixteen_callers_in_two_processes_fetch_the_token_once(token_app, fake_wechat):
    _seed_expired_token(token_app)
    start_at = time.time() + 4  # both processes imported and waiting by then
    config = token_app.config
    args = [config["SQLALCHEMY_DATABASE_URI"], fake_wechat.base_url, str(start_at), config["REDIS_URL"]]
    processes = [
        subprocess.Popen([sys.executable, "-c", WORKER, *args], stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [process.communicate(timeout=60)[0] for process in processes]

    assert [process.returncode for process in processes] == [0, 0]
    seen = [token for output in outputs for token in json.loads(output)]
    assert len(seen) == 16
    assert set(seen) == {fake_wechat.app.current_token}
    assert fake_wechat.app.calls["/cgi-bin/stable_token"] == 1


def test_a_refused_token_is_dropped_only_if_it_is_still_the_cached_one(token_app, fake_wechat):
    with token_app.app_context():
        first = tokens.get_token(client._fetch_stable_token)
        fake_wechat.app.expire_token()
        tokens.drop_token(first)
        second = tokens.get_token(client._fetch_stable_token)
        # A slow caller that also saw `first` fail must not throw away `second`.
        tokens.drop_token(first)
        assert tokens.get_token(client._fetch_stable_token) == second
    assert second != first
    assert fake_wechat.app.calls["/cgi-bin/stable_token"] == 2


def test_redis_keeps_the_token_until_five_minutes_before_wechat_expires_it(make_app, redis_url, fake_wechat):
    redis_app = make_app(REDIS_URL=redis_url)
    with redis_app.app_context():
        token = tokens.get_token(client._fetch_stable_token)
        key = tokens_redis._key("access_token")
        assert tokens_redis.get_redis().get(key) == token.encode()
        ttl = tokens_redis.get_redis().ttl(key)
    assert 7200 - 300 - 5 <= ttl <= 7200 - 300
    with redis_app.app_context():
        # A token no WeChat call has refused stays: another caller's failure is not ours.
        tokens.drop_token("some-other-token")
        assert tokens.get_token(client._fetch_stable_token) == token
    assert fake_wechat.app.calls["/cgi-bin/stable_token"] == 1


def test_an_unreachable_redis_is_wechat_busy_not_a_crash(make_app):
    dead = make_app(REDIS_URL="redis://127.0.0.1:9/0", REDIS_TIMEOUT_SECONDS=0.5)  # discard port
    with dead.app_context(), pytest.raises(WeChatBusy):
        tokens.get_token(client._fetch_stable_token)


def test_the_token_store_follows_redis_url(app, make_app, redis_url):
    with app.app_context():
        assert tokens._store() is not tokens_redis
    with make_app(REDIS_URL=redis_url).app_context():
        assert tokens._store() is tokens_redis
        assert isinstance(tokens_redis.get_redis(), redis.Redis)


def test_the_classic_token_endpoint_is_never_used(world, fake_wechat):
    post_wish(world.resident)
    assert fake_wechat.app.calls["/cgi-bin/token"] == 0
    assert fake_wechat.app.calls["/cgi-bin/stable_token"] >= 1
