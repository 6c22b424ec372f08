"""Two admins doing the same thing at once, over real HTTP at a multi-threaded server: both
requests pass the check before either writes, the database's unique key decides, and the
loser hears the same 409 the check gives, not a server error."""

import io
import threading

import pytest
import requests
from sqlalchemy import func, select

from server.accounts.models import RoleGrant
from server.administration import operations
from server.areas import operations as tree
from server.areas.models import Area
from server.core.extensions import db
from tests.fixtures.database import postgresql_only
from tests.test_claim_race import _bearer, _fire_at_once

pytestmark = [
    postgresql_only("SQLite has one writer: its requests never both check before either writes"),
    pytest.mark.commits,  # the server's threads use connections of their own
]


def _both_checked_before_either_writes(monkeypatch, module, name: str) -> None:
    """Hold each request at its first call of ``module.name`` (its first write) until the
    other request gets there too: both have checked, neither has written."""
    barrier, held = threading.Barrier(2), threading.local()
    original = getattr(module, name)

    def write(*args, **kwargs):
        if not getattr(held, "once", False):
            held.once = True
            barrier.wait(timeout=10)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, write)


def test_two_admins_granting_the_same_role_at_once_make_one_grant_and_the_other_gets_409(
    app, world, live_server, monkeypatch
):
    _both_checked_before_either_writes(monkeypatch, operations, "grant_role")
    body = {"user_id": world.user_id("neighbour"), "role": "grid_worker", "area_id": world.grid.id}
    url = f"{live_server}/api/v1/admin/grants"

    responses = _fire_at_once(
        [
            lambda admin=admin: requests.post(url, json=body, headers=_bearer(admin.token), timeout=30)
            for admin in (world.community_admin, world.district_admin)
        ]
    )

    assert sorted(response.status_code for response in responses) == [201, 409], [r.text for r in responses]
    refused = next(response.json() for response in responses if response.status_code == 409)
    assert refused["error"]["code"] == "grant_exists"
    with app.app_context():
        grants = select(func.count()).where(
            RoleGrant.user_id == body["user_id"], RoleGrant.role == "grid_worker", RoleGrant.area_id == world.grid.id
        )
        assert db.session.scalar(grants) == 1


def test_two_imports_of_one_sheet_at_once_make_each_node_once_and_the_other_gets_409(
    app, world, live_server, monkeypatch
):
    _both_checked_before_either_writes(monkeypatch, tree, "create_area")
    sheet = "街道,社区,网格\n天宝路街道,天宝社区,天宝社区第1网格\n".encode()
    url = f"{live_server}/api/v1/admin/areas/import"

    def upload():
        files = {"file": ("district.csv", io.BytesIO(sheet), "text/csv")}
        return requests.post(url, files=files, headers=_bearer(world.district_admin.token), timeout=30)

    responses = _fire_at_once([upload, upload])

    assert sorted(response.status_code for response in responses) == [201, 409], [r.text for r in responses]
    refused = next(response.json() for response in responses if response.status_code == 409)
    assert refused["error"]["code"] == "import_overtaken"
    assert set(refused["error"]) == {"code", "message", "details"}
    with app.app_context():
        for name in ("天宝路街道", "天宝社区", "天宝社区第1网格"):
            assert db.session.scalar(select(func.count()).where(Area.name == name)) == 1
