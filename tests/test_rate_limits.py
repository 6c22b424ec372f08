"""Rate limits: login attempts per client IP, posted wishes per user. Counted in the database
or (REDIS_URL) in Redis, shared by every app instance; beyond a limit 429 in the one error
shape with Retry-After, before any work is done."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server import clock
from server.extensions import db
from server.idempotency.models import IdempotencyRecord
from server.ratelimits.models import RateLimitCounter
from server.ratelimits.storage import DatabaseStorage
from server.settings import ConfigError
from server.wishes.models import Wish, WishEvent
from tests.conftest import VALID_WISH, ApiClient

LOGIN = "/api/v1/auth/login"
WISHES = "/api/v1/wishes"
HERE = {"REMOTE_ADDR": "203.0.113.7"}
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.9"}
LIMITS = {"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "3/minute", "RATELIMIT_WISH_POST": "2/hour;5/day"}


@pytest.fixture(params=["database", "redis"])
def limited(request, make_app):
    """make(**overrides): an app with the limits above on, counting in the backend under test."""
    backend = dict(LIMITS)
    if request.param == "redis":
        backend["REDIS_URL"] = request.getfixturevalue("redis_url")
    return lambda **overrides: make_app(**backend, **overrides)


def _login(client, code: str, environ=HERE):
    return client.post(LOGIN, json={"code": code}, environ_base=environ)


def _assert_rate_limited(response, longest: int):
    assert response.status_code == 429
    body = response.get_json()
    assert body["error"]["code"] == "rate_limited"
    assert body["error"]["message"] == "操作太频繁，请稍后再试"
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= longest + 1
    assert body["error"]["details"] == {"retry_after": retry_after}


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_login_attempts_beyond_the_limit_are_refused_for_that_ip_only(limited, fake_wechat):
    client = limited().test_client()
    # Failed attempts count too: guessing codes is what the limit is for.
    assert [_login(client, code).status_code for code in ("dev:a", "not-a-code", "dev:b")] == [200, 401, 200]

    _assert_rate_limited(_login(client, "dev:c"), longest=60)
    assert fake_wechat.app.calls["/sns/jscode2session"] == 3  # the refused attempt never reached WeChat
    assert _login(client, "dev:c", ELSEWHERE).status_code == 200


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(limited):
    spoofing = limited().test_client()
    for n in range(3):
        assert _login(spoofing, f"dev:s{n}", {**HERE, "HTTP_X_FORWARDED_FOR": f"10.0.0.{n}"}).status_code == 200
    # Without TRUSTED_PROXIES a client cannot escape its limit by inventing X-Forwarded-For.
    assert _login(spoofing, "dev:s9", {**HERE, "HTTP_X_FORWARDED_FOR": "10.0.0.9"}).status_code == 429

    behind_proxy = limited(TRUSTED_PROXIES=1).test_client()
    proxy = {"REMOTE_ADDR": "192.0.2.1"}
    for n in range(3):
        assert _login(behind_proxy, f"dev:p{n}", {**proxy, "HTTP_X_FORWARDED_FOR": "10.1.1.1"}).status_code == 200
    assert _login(behind_proxy, "dev:p3", {**proxy, "HTTP_X_FORWARDED_FOR": "10.1.1.1"}).status_code == 429
    # Another client behind the same proxy has its own count.
    assert _login(behind_proxy, "dev:p4", {**proxy, "HTTP_X_FORWARDED_FOR": "10.2.2.2"}).status_code == 200


def test_posts_beyond_the_limit_are_refused_for_that_user_and_write_nothing(limited, world):
    app = limited()
    resident = ApiClient(app.test_client(), world.resident.token)
    assert resident.post(WISHES, VALID_WISH)[0] == 201
    assert resident.post(WISHES, VALID_WISH)[0] == 201
    events_before = _count(app, WishEvent)

    refused = resident.client.post(
        WISHES, json=VALID_WISH, headers={**resident._headers(None), "Idempotency-Key": "third"}
    )

    _assert_rate_limited(refused, longest=3600)
    assert _count(app, Wish, Wish.owner_id == world.user_id("resident")) == 2
    assert _count(app, WishEvent) == events_before
    assert _count(app, IdempotencyRecord, IdempotencyRecord.key == "third") == 0
    neighbour = ApiClient(app.test_client(), world.neighbour.token)
    assert neighbour.post(WISHES, VALID_WISH)[0] == 201


def test_a_replayed_post_is_neither_counted_nor_refused(limited, world):
    resident = ApiClient(limited().test_client(), world.resident.token)

    def post(key):
        headers = {**resident._headers(None), "Idempotency-Key": key}
        return resident.client.post(WISHES, json=VALID_WISH, headers=headers)

    first = post("k1")
    assert post("k1").headers.get("Idempotent-Replayed") == "true"
    assert post("k2").status_code == 201  # the replay did not use up the second post
    replay_at_the_limit = post("k1")
    assert replay_at_the_limit.status_code == 201
    assert replay_at_the_limit.get_json() == first.get_json()
    assert post("k3").status_code == 429


def test_refused_posts_do_not_use_up_the_limit(limited, world):
    resident = ApiClient(limited().test_client(), world.resident.token)
    for _ in range(3):
        assert resident.post(WISHES, {**VALID_WISH, "contact_phone": "123"})[0] == 422
    assert [resident.post(WISHES, VALID_WISH)[0] for _ in range(3)] == [201, 201, 429]


def test_counts_are_shared_by_every_app_instance(limited, world):
    first, second = limited().test_client(), limited().test_client()
    assert [_login(client, f"dev:m{n}").status_code for n, client in enumerate([first, second, first])] == [200] * 3
    assert _login(second, "dev:m3").status_code == 429

    assert ApiClient(first, world.resident.token).post(WISHES, VALID_WISH)[0] == 201
    assert ApiClient(second, world.resident.token).post(WISHES, VALID_WISH)[0] == 201
    assert ApiClient(first, world.resident.token).post(WISHES, VALID_WISH)[0] == 429


def test_with_rate_limits_off_nothing_is_counted(client):
    # The session app runs with RATELIMIT_ENABLED false (config/testing.py), as the suite needs.
    assert {_login(client, f"dev:many{n}").status_code for n in range(12)} == {200}


@pytest.mark.commits  # threads, each on a connection of its own
def test_database_counts_are_exact_under_concurrency_and_a_window_starts_afresh(app, monkeypatch):
    storage = DatabaseStorage()
    errors = []

    def hit_ten_times():
        try:
            with app.app_context():
                for _ in range(10):
                    storage.incr("race", 60)
        except Exception as exc:  # a lost update or a locked database would show here
            errors.append(exc)

    threads = [threading.Thread(target=hit_ten_times) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert storage.get("race") == 80
        storage.incr("other", 60)

        later = clock.now() + timedelta(seconds=61)
        monkeypatch.setattr(clock, "now", lambda: later)
        assert storage.get("race") == 0
        assert storage.incr("race", 60) == 1
        # The window that just began swept the ones that had ended.
        assert _count(app, RateLimitCounter) == 1
        assert storage.get_expiry("race") == pytest.approx((later + timedelta(seconds=60)).timestamp())


def test_an_unreachable_redis_lets_logins_through(make_app):
    dead = make_app(**LIMITS, REDIS_URL="redis://127.0.0.1:9/0", REDIS_TIMEOUT_SECONDS=0.5)  # discard port
    client = dead.test_client()
    assert {_login(client, f"dev:down{n}").status_code for n in range(4)} == {200}


@pytest.mark.parametrize(
    ("setting", "value"),
    [("RATELIMIT_LOGIN", "lots"), ("RATELIMIT_WISH_POST", "ten/hour"), ("REDIS_URL", "localhost:6379")],
)
def test_a_malformed_limit_or_redis_url_stops_start_up_naming_it(make_app, setting, value):
    with pytest.raises(ConfigError, match=setting):
        make_app(**{setting: value})


def test_the_429_is_documented_with_retry_after(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (LOGIN, WISHES):
        refused = paths[path]["post"]["responses"]["429"]
        assert refused["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        assert "Retry-After" in refused["headers"]
