"""Start-up refuses bad settings; the demo loads once with what DESIGN §5 promises."""

import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from server.accounts.models import User
from server.app import create_app
from server.areas.models import Area
from server.core.extensions import db
from server.entrypoints.cli import prepare_database
from server.settings import ConfigError
from server.wishes.models import STATUSES, Wish, WishEvent
from tests.conftest import settings_from


def test_settings_come_from_flask_prefixed_environment_variables():
    config = settings_from(FLASK_CLAIM_TIMEOUT_SECONDS="6", FLASK_REVIEW_REQUIRED="false")
    assert config["CLAIM_TIMEOUT_SECONDS"] == 6
    assert config["REVIEW_REQUIRED"] is False


def test_database_url_picks_the_database():
    config = settings_from(DATABASE_URL="postgres://u:p@127.0.0.1:5432/microwish")
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@127.0.0.1:5432/microwish"


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("FLASK_CLAIM_TIMEOUT_SECONDS", "abc", "CLAIM_TIMEOUT_SECONDS"),
        ("FLASK_CLAIM_TIMEOUT_SECONDS", "-5", "CLAIM_TIMEOUT_SECONDS"),
        ("FLASK_REVIEW_REQUIRED", '"yes"', "REVIEW_REQUIRED"),
        ("FLASK_WECHAT_API_BASE", "ftp://x", "WECHAT_API_BASE"),
        ("DATABASE_URL", "mysql://x/y", "SQLALCHEMY_DATABASE_URI"),
    ],
)
def test_a_malformed_setting_is_refused_with_its_name(variable, value, named):
    with pytest.raises(ConfigError, match=named):
        settings_from(**{variable: value})


def test_production_refuses_development_defaults():
    with pytest.raises(ConfigError) as refused:
        settings_from("production", DATABASE_URL="")  # the defaults alone (make test-postgres sets one)
    message = str(refused.value)
    assert "SECRET_KEY" in message
    assert "SQLite" in message
    assert "WECHAT_APPID" in message


PRODUCTION = {
    "DATABASE_URL": "postgresql://microwish@db.internal/microwish",
    "FLASK_SECRET_KEY": "a-real-secret-of-enough-length",
    "FLASK_WECHAT_APPID": "wx1234567890abcdef",
    "FLASK_WECHAT_SECRET": "0123456789abcdef0123456789abcdef",
    "FLASK_WECHAT_PUSH_TOKEN": "realpushtoken42",
    "FLASK_PUBLIC_BASE_URL": "https://wish.example.cn",
    "FLASK_WECHAT_SUBSCRIBE_TEMPLATES": "{}",
    "FLASK_PII_KEYS": '{"2026a": "q9TdiYJR/pWVcDLUx6sk0kxAgDXYOFkD9a3EkOLZnTk="}',
    "FLASK_PII_KEY_ID": '"2026a"',
    "FLASK_PII_HASH_KEY": '"a-real-hash-key-of-enough-length"',
}


def test_production_starts_with_real_settings_and_talks_to_the_real_wechat():
    config = settings_from("production", **PRODUCTION)
    assert config["WECHAT_API_BASE"] == "https://api.weixin.qq.com"


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("FLASK_WECHAT_API_BASE", '""', "development fake"),
        ("DATABASE_URL", "sqlite:///prod.db", "SQLite"),
        ("FLASK_SECRET_KEY", '"dev-only-secret-key-change-me"', "SECRET_KEY"),
        ("FLASK_SECRET_KEY_FALLBACKS", '["dev-only-secret-key-change-me"]', "SECRET_KEY_FALLBACKS"),
    ],
)
def test_production_refuses_each_development_shortcut(variable, value, named):
    with pytest.raises(ConfigError, match=named):
        settings_from("production", **{**PRODUCTION, variable: value})


def test_make_run_entry_point_exits_with_a_clear_message_on_a_bad_setting():
    result = subprocess.run(
        [sys.executable, "-m", "server.entrypoints.devserver"],
        env={**os.environ, "FLASK_JOB_INTERVAL_SECONDS": "often", "PORT": "5999", "MICROWISH_ENV": "development"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "JOB_INTERVAL_SECONDS" in result.stderr


@pytest.fixture
def demo_app(tmp_path):
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/demo.db"}, env_name="development")


def test_the_demo_loads_once_with_the_yaozhou_tree_accounts_and_every_status(demo_app):
    assert prepare_database(demo_app, with_demo=True) is True
    assert prepare_database(demo_app, with_demo=True) is False

    with demo_app.app_context():
        grids = db.session.scalars(select(Area).where(Area.level == "grid")).all()
        assert len(grids) == 67
        communities = {a.name for a in db.session.scalars(select(Area).where(Area.level == "community"))}
        assert {"红旗社区", "解放社区", "塔坡社区"} <= communities
        hongqi_1 = db.session.scalar(select(Area).where(Area.name == "红旗社区第1网格"))
        expected = ["demo-resident", "demo-party-member", "demo-grid-worker", "demo-admin"]
        expected += [f"demo-party-member-{n}" for n in range(1, 21)]
        users = {u.openid: u for u in db.session.scalars(select(User).where(User.openid.in_(expected)))}
        assert set(users) == set(expected)
        assert {u.home_grid_id for u in users.values()} == {hongqi_1.id}
        members = [u for name, u in users.items() if name.startswith("demo-party-member")]
        assert all(u.is_verified_party_member for u in members)
        assert users["demo-grid-worker"].is_staff_for(hongqi_1.path)
        assert users["demo-admin"].grants_of("admin")[0].area.level == "district"
        statuses = set(db.session.scalars(select(Wish.status).distinct()))
        assert statuses == set(STATUSES)
        assert db.session.scalar(select(func.count()).select_from(User)) >= 75


def test_the_demo_staff_sign_in_to_the_console_with_demo_staff_password_and_residents_do_not(demo_app, monkeypatch):
    from tests.console import sign_in

    monkeypatch.setenv("DEMO_STAFF_PASSWORD", "s3cret-demo")
    assert prepare_database(demo_app, with_demo=True) is True

    for staff in ("demo-grid-worker", "demo-admin"):
        response = sign_in(demo_app.test_client(), staff, "s3cret-demo")
        assert response.status_code == 303, staff
        assert response.headers["Location"] == "/console/"
    assert sign_in(demo_app.test_client(), "demo-grid-worker", "demo-password").status_code == 401
    assert sign_in(demo_app.test_client(), "demo-resident", "s3cret-demo").status_code == 401


@pytest.mark.parametrize("review_required", [True, False])
def test_the_demo_loads_under_each_review_setting_as_make_run_would(tmp_path, fake_wechat, review_required):
    """``make run`` talks to the fake WeChat, so the content check passes and the setting alone
    decides whether a new wish waits for review."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/demo.db",
            "REVIEW_REQUIRED": review_required,
            "WECHAT_API_BASE": fake_wechat.base_url,
            "WECHAT_APPID": "wx-test-appid",
            "WECHAT_SECRET": "wx-test-secret",
        },
        env_name="development",
    )
    assert prepare_database(app, with_demo=True) is True

    with app.app_context():
        statuses = set(db.session.scalars(select(Wish.status).distinct()))
        actions = set(db.session.scalars(select(WishEvent.action).distinct()))
        assert {"post", "claim", "fulfil", "confirm", "dispute", "close", "cancel"} <= actions
        if review_required:
            assert statuses == set(STATUSES)
            assert {"approve", "reject"} <= actions
        else:
            # Only review makes pending and rejected wishes; every other status is still shown.
            assert statuses == set(STATUSES) - {"pending_review", "rejected"}
            assert not {"approve", "reject"} & actions
