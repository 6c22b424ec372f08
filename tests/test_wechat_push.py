"""WeChat pushes image-check verdicts to /wechat/push, signed with our token; a risky or
review photo is hidden from all but the staff and an open wish using it goes back to review."""

import io
import time

import pytest
import requests
from PIL import Image
from sqlalchemy import select

from server.core.extensions import db
from server.wechat.fake import FakeWeChatServer
from server.wechat.push import signature_for
from server.wishes.models import Wish, WishEvent
from tests.conftest import VALID_WISH, act, post_wish
from tests.photos import fetch, row, uploaded


@pytest.fixture(autouse=True)
def _upload_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


@pytest.fixture
def signing_fake(app, fake_wechat, monkeypatch):
    """The session's fake, signing its pushes with the token the app expects."""
    monkeypatch.setattr(fake_wechat.app, "push_token", app.config["WECHAT_PUSH_TOKEN"])
    return fake_wechat.app


def deliver(client, fake, check):
    params, body = fake.push_event(check)
    return client.post("/wechat/push", query_string=params, json=body)


def wish_with_photo(world, status: str, *, photo_owner="resident") -> tuple[dict, str]:
    photo = uploaded(world.resident)["id"]
    wish = post_wish(world.resident, photos=[photo])
    if status in ("open", "claimed"):
        wish = act(world.worker, wish["id"], "review", {"decision": "approve"})
    if status == "claimed":
        wish = act(world.member, wish["id"], "claim")
    assert wish["status"] == status
    return wish, photo


def check_for(fake, photo_index=-1) -> dict:
    return fake.media_checks[photo_index]


def timeline(app, wish_id: int) -> list[WishEvent]:
    with app.app_context():
        events = list(db.session.scalars(select(WishEvent).where(WishEvent.wish_id == wish_id).order_by(WishEvent.id)))
        db.session.expunge_all()
        return events


# -- the handshake and the signature --------------------------------------------------------


def _signed(app, **extra) -> dict:
    timestamp, nonce = str(int(time.time())), "n0nce"
    signature = signature_for(app.config["WECHAT_PUSH_TOKEN"], timestamp, nonce)
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce, **extra}


def test_the_handshake_answers_echostr_when_the_signature_is_valid(app, client):
    response = client.get("/wechat/push", query_string=_signed(app, echostr="7351983412"))

    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.data == b"7351983412"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_bad_or_missing_signature_is_403_in_the_error_shape(app, client, method):
    bad = {**_signed(app, echostr="1"), "signature": "0" * 40}
    for query in (bad, {}, {**bad, "signature": "签名"}):
        response = client.open("/wechat/push", method=method, query_string=query, json={})
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "invalid_signature"
        assert set(response.get_json()["error"]) == {"code", "message", "details"}


def test_a_push_signed_with_another_token_changes_nothing(app, world, client, fake_wechat, monkeypatch):
    monkeypatch.setattr(fake_wechat.app, "push_token", "someoneelsestoken")
    fake_wechat.app.media_verdicts["/media/"] = "risky"
    photo = uploaded(world.resident)["id"]

    response = deliver(client, fake_wechat.app, check_for(fake_wechat.app))

    assert response.status_code == 403
    assert row(app, photo).status == "checking"


# -- verdicts ------------------------------------------------------------------------------


def test_a_pass_verdict_is_recorded_and_answered_success(app, world, client, signing_fake):
    photo = uploaded(world.resident)["id"]

    response = deliver(client, signing_fake, check_for(signing_fake))

    assert response.status_code == 200
    assert response.data == b"success"
    stored = row(app, photo)
    assert stored.status == "pass"
    assert stored.verdict_label == 100
    assert stored.checked_at is not None


def test_an_unknown_trace_id_or_another_event_is_answered_success_and_ignored(app, world, client, signing_fake):
    photo = uploaded(world.resident)["id"]
    params, body = signing_fake.push_event(check_for(signing_fake))

    unknown = client.post("/wechat/push", query_string=params, json={**body, "trace_id": "nosuchtrace"})
    other = client.post("/wechat/push", query_string=params, json={**body, "Event": "user_enter_tempsession"})

    assert (unknown.status_code, unknown.data) == (200, b"success")
    assert (other.status_code, other.data) == (200, b"success")
    assert row(app, photo).status == "checking"


def test_a_verdict_pushed_twice_is_recorded_once(app, world, client, signing_fake):
    signing_fake.media_verdicts["/media/"] = "risky"
    wish, _photo = wish_with_photo(world, "open")
    check = check_for(signing_fake)

    deliver(client, signing_fake, check)
    deliver(client, signing_fake, check)

    returned = [event for event in timeline(app, wish["id"]) if event.action == "return_to_review"]
    assert len(returned) == 1


@pytest.mark.parametrize("verdict", ["risky", "review"])
def test_a_hidden_photo_on_an_open_wish_sends_it_back_to_review(app, world, client, signing_fake, verdict):
    signing_fake.media_verdicts["/media/"] = verdict
    wish, photo = wish_with_photo(world, "open")
    before = timeline(app, wish["id"])

    assert deliver(client, signing_fake, check_for(signing_fake)).data == b"success"

    assert row(app, photo).status == verdict
    events = timeline(app, wish["id"])
    assert len(events) == len(before) + 1
    event = events[-1]
    assert (event.action, event.from_status, event.to_status) == ("return_to_review", "open", "pending_review")
    assert event.actor_id is None
    assert event.note
    _, detail = world.worker.get(f"/api/v1/wishes/{wish['id']}")
    assert detail["status"] == "pending_review"
    assert detail["timeline"][-1]["actor"] is None
    # Hidden from a party member (the wish left the pool too) and from its owner; staff see it.
    assert fetch(world.member, photo).status_code == 404
    assert fetch(world.resident, photo).status_code == 404
    assert fetch(world.worker, photo).status_code == 200
    assert fetch(world.community_admin, photo).status_code == 200
    assert fetch(world.other_worker, photo).status_code == 404
    # The grid worker can look again and approve it back into the pool.
    assert act(world.worker, wish["id"], "review", {"decision": "approve"})["status"] == "open"


def test_a_risky_photo_on_a_claimed_wish_is_only_hidden(app, world, client, signing_fake):
    signing_fake.media_verdicts["/media/"] = "risky"
    wish, photo = wish_with_photo(world, "claimed")
    before = timeline(app, wish["id"])

    deliver(client, signing_fake, check_for(signing_fake))

    with app.app_context():
        assert db.session.get(Wish, wish["id"]).status == "claimed"
    assert len(timeline(app, wish["id"])) == len(before)
    assert fetch(world.member, photo).status_code == 404  # the claimer is not staff
    assert fetch(world.neighbour, photo).status_code == 404
    assert fetch(world.worker, photo).status_code == 200


def test_a_risky_photo_on_a_wish_waiting_for_review_stays_there_hidden(app, world, client, signing_fake):
    signing_fake.media_verdicts["/media/"] = "risky"
    wish, photo = wish_with_photo(world, "pending_review")

    deliver(client, signing_fake, check_for(signing_fake))

    assert len(timeline(app, wish["id"])) == 1
    assert fetch(world.resident, photo).status_code == 404
    assert fetch(world.worker, photo).status_code == 200


def test_a_risky_verdict_on_a_fulfilment_photo_hides_the_proof_only(app, world, client, signing_fake, wish_in):
    wish = wish_in("claimed")
    proof = uploaded(world.member)["id"]
    act(world.member, wish["id"], "fulfil", {"note": "已送到", "photos": [proof]})
    signing_fake.media_verdicts["/media/"] = "risky"

    deliver(client, signing_fake, check_for(signing_fake))

    with app.app_context():
        assert db.session.get(Wish, wish["id"]).status == "fulfilled"
    assert fetch(world.resident, proof).status_code == 404
    assert fetch(world.worker, proof).status_code == 200


# -- end to end: the fake pushes to a live server ---------------------------------------------


@pytest.fixture
def pushing_fake(app, live_server, monkeypatch):
    """A second fake WeChat that pushes verdicts to the live server, as WeChat does."""
    server = FakeWeChatServer(
        app.config["WECHAT_APPID"],
        app.config["WECHAT_SECRET"],
        push_url=f"{live_server}/wechat/push",
        push_token=app.config["WECHAT_PUSH_TOKEN"],
    ).start()
    monkeypatch.setitem(app.config, "WECHAT_API_BASE", server.base_url)
    yield server.app
    server.stop()


def _live_login(live_server, openid: str) -> requests.Session:
    session = requests.Session()
    answer = session.post(f"{live_server}/api/v1/auth/login", json={"code": f"dev:{openid}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    session.headers["Authorization"] = f"Bearer {answer.json()['token']}"
    return session


def _wait_for_verdict(app, upload_id: str, timeout=10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = row(app, upload_id).status
        if status != "checking":
            return status
        time.sleep(0.05)
    raise AssertionError(f"no verdict for {upload_id} within {timeout}s")


def _live_upload(session, live_server) -> dict:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (0, 128, 0)).save(out, format="JPEG")
    answer = session.post(
        f"{live_server}/api/v1/uploads", files={"file": ("p.jpg", out.getvalue(), "image/jpeg")}, timeout=10
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_end_to_end_a_pushed_pass_verdict_lets_the_photo_into_a_wish(app, world, live_server, pushing_fake):
    resident = _live_login(live_server, "resident")

    photo = _live_upload(resident, live_server)
    assert _wait_for_verdict(app, photo["id"]) == "pass"

    # WeChat fetched nothing here (the fake does not), but the link it was given works.
    media = requests.get(pushing_fake.media_checks[0]["media_url"], timeout=10)
    assert media.status_code == 200
    assert media.headers["Content-Type"] == "image/jpeg"
    answer = resident.post(f"{live_server}/api/v1/wishes", json={**VALID_WISH, "photos": [photo["id"]]}, timeout=10)
    assert answer.status_code == 201, answer.text
    assert resident.get(f"{live_server}/api/v1/uploads/{photo['id']}", timeout=10).status_code == 200


def test_end_to_end_a_pushed_risky_verdict_hides_the_photo_and_refuses_it(app, world, live_server, pushing_fake):
    pushing_fake.media_verdicts["/media/"] = "risky"
    resident = _live_login(live_server, "resident")

    photo = _live_upload(resident, live_server)
    assert _wait_for_verdict(app, photo["id"]) == "risky"

    assert resident.get(f"{live_server}/api/v1/uploads/{photo['id']}", timeout=10).status_code == 404
    answer = resident.post(f"{live_server}/api/v1/wishes", json={**VALID_WISH, "photos": [photo["id"]]}, timeout=10)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "content_risky"
    assert "photos" in answer.json()["error"]["details"]
