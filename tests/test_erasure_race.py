"""A claim and the claimer's own erasure at the same moment, over real HTTP at a multi-threaded
server: whichever takes the person's lock first, nobody erased is left holding a claim."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select

from server.accounts.models import User
from server.core.extensions import db
from server.privacy import erasure
from server.wishes import operations
from server.wishes.models import Wish
from tests.fixtures.database import postgresql_only
from tests.test_claim_race import _bearer

pytestmark = [
    postgresql_only("SQLite has one writer: a claim and an erasure never overlap there"),
    pytest.mark.commits,  # the server's threads use connections of their own
]
# How long the first request holds the person's lock once the second is on its way: long
# enough for the second to reach the lock on a loaded machine.
HOLD_SECONDS = 1.0


def _hold_after(monkeypatch, module, name: str, second_sent: threading.Event) -> None:
    """Hold the request at the end of ``module.name`` (the person's lock taken) until the other
    request has been sent, and a moment more for it to reach the lock."""
    original = getattr(module, name)

    def held(*args, **kwargs):
        result = original(*args, **kwargs)
        second_sent.wait(timeout=10)
        time.sleep(HOLD_SECONDS)
        return result

    monkeypatch.setattr(module, name, held)


def _first_then_second(first, second, second_sent: threading.Event):
    with ThreadPoolExecutor(2) as pool:
        first_done = pool.submit(first)
        time.sleep(0.3)  # the first is under way, holding the lock
        second_sent.set()
        second_done = pool.submit(second)
        return first_done.result(), second_done.result()


def _claim(live_server, wish_id, token):
    return lambda: requests.post(f"{live_server}/api/v1/wishes/{wish_id}/claim", headers=_bearer(token), timeout=30)


def _erase(live_server, token):
    return lambda: requests.delete(f"{live_server}/api/v1/me", headers=_bearer(token), timeout=30)


def _state(app, wish_id, user_id):
    with app.app_context():
        wish = db.session.get(Wish, wish_id)
        erased = db.session.scalar(select(User.erased_at).where(User.id == user_id))
        return wish.status, wish.claimer_id, erased


def test_an_erasure_arriving_during_a_claim_waits_for_it_and_is_refused(app, world, wish_in, live_server, monkeypatch):
    wish = wish_in("open")
    second_sent = threading.Event()
    _hold_after(monkeypatch, operations, "_limit_claims_held", second_sent)

    claimed, erased = _first_then_second(
        _claim(live_server, wish["id"], world.member.token), _erase(live_server, world.member.token), second_sent
    )

    assert claimed.status_code == 200, claimed.text
    assert (erased.status_code, erased.json()["error"]["code"]) == (409, "holding_claim")
    assert _state(app, wish["id"], world.user_id("member")) == ("claimed", world.user_id("member"), None)


def test_a_claim_arriving_during_an_erasure_waits_for_it_and_finds_its_token_revoked(
    app, world, wish_in, live_server, monkeypatch
):
    wish = wish_in("open")
    second_sent = threading.Event()
    _hold_after(monkeypatch, erasure, "_refuse_while_needed", second_sent)

    erased, claimed = _first_then_second(
        _erase(live_server, world.member.token), _claim(live_server, wish["id"], world.member.token), second_sent
    )

    assert erased.status_code == 204, erased.text
    assert (claimed.status_code, claimed.json()["error"]["code"]) == (401, "token_revoked")
    status, claimer, erased_at = _state(app, wish["id"], world.user_id("member"))
    assert (status, claimer) == ("open", None) and erased_at is not None
