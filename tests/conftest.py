"""Fixtures: one app per session against the real fake WeChat over HTTP, a database emptied
after every test, and a small area tree with a person in every role."""

import os
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass

import pytest
import redis
from flask import Config
from werkzeug.serving import make_server

from server.accounts.models import User
from server.accounts.operations import grant_role
from server.app import create_app
from server.areas.operations import create_area
from server.core.extensions import db
from server.settings import load_settings
from server.wechat.fake import FakeWeChatServer

VALID_WISH = {
    "title": "帮忙取降压药",
    "description": "腿脚不便，想请人去社区卫生站帮忙取药。",
    "category": "errand",
    "address": "红旗社区3号楼2单元501",
    "contact_phone": "13812341234",
}


@pytest.fixture(scope="session")
def fake_wechat():
    server = FakeWeChatServer("wx-test-appid", "wx-test-secret").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def app(fake_wechat, tmp_path_factory):
    database_url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db')}/test.db"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WECHAT_API_BASE": fake_wechat.base_url,
            "WECHAT_APPID": "wx-test-appid",
            "WECHAT_SECRET": "wx-test-secret",
            # Photos any test uploads (the API fuzzer sends real PNGs and JPEGs) stay out of instance/.
            "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
        },
        env_name="testing",
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


@pytest.fixture(scope="session")
def s3_server():
    """A local S3-protocol server (moto) over HTTP on a free loopback port, with an empty bucket."""
    from tests.s3_server import BUCKET, REGION, S3TestServer  # moto loads only for the tests that use it

    server = S3TestServer()
    server.start()
    server.client().create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    yield server
    server.stop()


# The settings a second app needs to share the session app's database and fake WeChat.
_SHARED_SETTINGS = ("SQLALCHEMY_DATABASE_URI", "WECHAT_API_BASE", "WECHAT_APPID", "WECHAT_SECRET", "UPLOAD_FOLDER")


@pytest.fixture
def make_app(app):
    """make_app(**overrides): another app on the session's database and fake WeChat, as a
    second process of the same deployment would be; its connections are closed afterwards."""
    made = []

    def make(**overrides):
        other = create_app({**{key: app.config[key] for key in _SHARED_SETTINGS}, **overrides}, env_name="testing")
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()
        if other.extensions["redis"] is not None:
            other.extensions["redis"].close()


@pytest.fixture(autouse=True)
def _empty_database(app, fake_wechat):
    yield
    fake_wechat.app.reset()
    with app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A private redis-server on a free loopback port for the session; its URL.

    Skips (the reason shows in the summary) only when the binary is missing:
    scripts/install-redis.sh installs Debian's package.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not installed: run scripts/install-redis.sh (Debian package redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    directory = tmp_path_factory.mktemp("redis")
    command = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    with open(directory / "redis.log", "wb") as log:
        process = subprocess.Popen([*command, "--dir", str(directory)], stdout=log, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_timeout=1)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"redis-server did not start: {(directory / 'redis.log').read_text()[-500:]}")
            time.sleep(0.05)
    yield url
    client.close()
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server):
    """The session's Redis, emptied after the test."""
    yield redis_server
    with redis.Redis.from_url(redis_server) as client:
        client.flushdb()


@pytest.fixture
def live_server(app):
    """The app behind a real multi-threaded HTTP server on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def client(app):
    return app.test_client()


def settings_from(env_name="development", **environ) -> Config:
    """The settings start-up would load in ``env_name`` with these environment variables set."""
    config = Config(os.getcwd())
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environ.items():
            patch.setenv(name, value)
        load_settings(config, env_name)
    return config


class ApiClient:
    """The test client with one person's bearer token, answering (status, json)."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def _headers(self, headers):
        merged = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        merged.update(headers or {})
        return merged

    def get(self, path, *, headers=None, **params):
        response = self.client.get(path, query_string=params, headers=self._headers(headers))
        return response.status_code, response.get_json(silent=True)

    def post(self, path, json=None, *, headers=None):
        response = self.client.post(path, json=json, headers=self._headers(headers))
        return response.status_code, response.get_json(silent=True)


def login(client, openid: str) -> ApiClient:
    response = client.post("/api/v1/auth/login", json={"code": f"dev:{openid}"})
    assert response.status_code == 200, response.get_json()
    return ApiClient(client, response.get_json()["token"])


@dataclass
class World:
    """A district with two communities; people in every role, each with a logged-in client."""

    district: object
    community: object
    grid: object
    other_grid: object
    other_community_grid: object
    users: dict
    clients: dict

    def __getattr__(self, name):
        try:
            return self.clients[name]
        except KeyError:
            raise AttributeError(name) from None

    def user_id(self, name: str) -> int:
        return self.users[name]


@pytest.fixture
def world(app, client):
    with app.app_context():
        district = create_area("耀州区", "district")
        street = create_area("永安路街道", "street", district)
        hongqi = create_area("红旗社区", "community", street)
        jiefang = create_area("解放社区", "community", street)
        grid = create_area("红旗社区第1网格", "grid", hongqi)
        other_grid = create_area("红旗社区第2网格", "grid", hongqi)
        jiefang_grid = create_area("解放社区第1网格", "grid", jiefang)

        def person(openid, home=grid, **roles):
            user = User(openid=openid, nickname=openid, home_grid_id=home.id)
            db.session.add(user)
            db.session.flush()
            for role, (area, profile) in roles.items():
                grant_role(user, role, area.id, **profile)
            return user

        people = {
            "resident": person("resident"),
            "neighbour": person("neighbour"),
            "member": person("member", party_member=(grid, {"branch": "红旗社区党支部", "work_unit": "区医院"})),
            "member2": person("member2", party_member=(grid, {"work_unit": "区税务局"})),
            "pending_member": person("pending_member", party_member=(grid, {"status": "pending"})),
            "worker": person("worker", grid_worker=(grid, {})),
            "other_worker": person("other_worker", other_grid, grid_worker=(other_grid, {})),
            "community_admin": person("community_admin", admin=(hongqi, {})),
            "jiefang_admin": person("jiefang_admin", jiefang_grid, admin=(jiefang, {})),
            "district_admin": person("district_admin", admin=(district, {})),
        }
        db.session.commit()
        users = {name: user.id for name, user in people.items()}
        areas = {
            "district": district.id,
            "community": hongqi.id,
            "grid": grid.id,
            "other_grid": other_grid.id,
            "other_community_grid": jiefang_grid.id,
        }
    clients = {name: login(client, name) for name in people}
    return World(**{name: _AreaRef(area_id) for name, area_id in areas.items()}, users=users, clients=clients)


@dataclass(frozen=True)
class _AreaRef:
    id: int


def post_wish(api: ApiClient, **overrides) -> dict:
    status, body = api.post("/api/v1/wishes", {**VALID_WISH, **overrides})
    assert status == 201, body
    return body


def act(api: ApiClient, wish_id: int, action: str, json=None, expect: int = 200) -> dict:
    status, body = api.post(f"/api/v1/wishes/{wish_id}/{action}", json)
    assert status == expect, (action, status, body)
    return body


# The requests that take a fresh wish to each status, as (client name, action, body).
PATHS = {
    "pending_review": [],
    "open": [("worker", "review", {"decision": "approve"})],
    "rejected": [("worker", "review", {"decision": "reject", "reason": "不属于服务范围"})],
    "cancelled": [("resident", "cancel", None)],
    "claimed": [("worker", "review", {"decision": "approve"}), ("member", "claim", None)],
}
PATHS["fulfilled"] = [*PATHS["claimed"], ("member", "fulfil", {"note": "已送到"})]
PATHS["confirmed"] = [*PATHS["fulfilled"], ("resident", "confirm", {"stars": 5})]
PATHS["disputed"] = [*PATHS["fulfilled"], ("resident", "dispute", {"reason": "没有送到"})]
PATHS["closed"] = [*PATHS["confirmed"], ("worker", "close", {"resolution": "completed"})]


@pytest.fixture
def wish_in(world):
    """wish_in("fulfilled") posts a wish as the resident and walks it to that status."""

    def make(status: str, **overrides) -> dict:
        wish = post_wish(world.resident, **overrides)
        for name, action, body in PATHS[status]:
            wish = act(world.clients[name], wish["id"], action, body)
        assert wish["status"] == status
        return wish

    return make
