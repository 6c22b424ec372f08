"""The claim race as production runs it: 200 simultaneous claims spread over four web server
worker processes, each with its own connections to PostgreSQL. Exactly one wins."""

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from server.accounts.models import User
from server.accounts.operations import grant_role
from server.accounts.tokens import issue_token
from server.core.extensions import db
from server.entrypoints import web_server
from tests.conftest import act, post_wish
from tests.fixtures.database import postgresql_only
from tests.test_claim_race import _bearer, _fire_at_once, assert_one_claimer_won

pytestmark = [
    postgresql_only(
        "SQLite has one writer, and a race between worker processes is the "
        "PostgreSQL deployment's (make test-postgres runs it)"
    ),
    # The server's workers read what the test wrote: it commits (tests/fixtures/database.py)
    pytest.mark.commits,
]

ROOT = Path(__file__).resolve().parent.parent
CLAIMERS = 200
WORKERS = 4


@pytest.fixture
def served(app, fake_wechat, tmp_path):
    """The web server of `make serve` with four workers on the test database; data must be committed before use."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "MICROWISH_ENV": "testing",
        "DATABASE_URL": os.environ["TEST_DATABASE_URL"],
        "FLASK_SECRET_KEY": app.config["SECRET_KEY"],
        "FLASK_WECHAT_API_BASE": fake_wechat.base_url,
        "WEB_CONCURRENCY": str(WORKERS),
        "PORT": str(port),
        "ACCESS_LOG": str(tmp_path / "access.log"),
    }
    env.pop("BIND", None)
    command = web_server.command(environ=env)
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, (tmp_path / "server.log").read_text()
        try:
            if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, "the web server did not answer /healthz"
        time.sleep(0.2)
    yield base, tmp_path / "access.log"
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    log.close()


def _party_member_tokens(app, grid_id: int, count: int) -> list[str]:
    with app.app_context():
        users = []
        for n in range(count):
            user = User(openid=f"served-racer-{n}", nickname=f"racer-{n}", home_grid_id=grid_id)
            db.session.add(user)
            db.session.flush()
            grant_role(user, "party_member", grid_id)
            users.append(user)
        db.session.commit()  # the workers read it on their own connections
        return [issue_token(user) for user in users]


def test_of_200_claims_across_four_web_server_workers_exactly_one_wins(app, world, served):
    base, access_log = served
    wish = post_wish(world.resident)
    act(world.worker, wish["id"], "review", {"decision": "approve"})
    tokens = _party_member_tokens(app, world.grid.id, CLAIMERS)
    url = f"{base}/api/v1/wishes/{wish['id']}/claim"

    calls = [lambda token=token: requests.post(url, headers=_bearer(token), timeout=60) for token in tokens]
    responses = _fire_at_once(calls)

    assert_one_claimer_won(app, wish["id"], responses)
    claim_path = f"/api/v1/wishes/{wish['id']}/claim"
    records = [json.loads(line) for line in access_log.read_text().splitlines()]
    served_by = {record["pid"] for record in records if record["path"] == claim_path}
    assert len(served_by) > 1, "every claim went to one worker: the race was not between processes"
