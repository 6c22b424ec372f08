"""The wish lifecycle of DESIGN §3 through the HTTP API: every transition by the right person,
every refusal (wrong state → 409, wrong person → 403, bad input → 422), the one error shape,
and the points a confirmed wish earns its claimer."""

import re

import pytest

from server.areas.models import Area
from server.core.extensions import db
from tests.conftest import act, post_wish
from tests.photos import uploaded

ALL_STATUSES = (
    "pending_review",
    "open",
    "rejected",
    "cancelled",
    "claimed",
    "fulfilled",
    "confirmed",
    "disputed",
    "closed",
)
CHINESE = re.compile(r"[\u4e00-\u9fff]")


# -- helpers ---------------------------------------------------------------------------------


def assert_error(body: dict, code: str | None = None) -> dict:
    """The one error shape: {"error": {"code", "message" (Chinese), "details"}}; returns the error."""
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert re.fullmatch(r"[a-z][a-z0-9_]*", error["code"]), error
    assert CHINESE.search(error["message"]), error
    assert isinstance(error["details"], dict), error
    if code is not None:
        assert error["code"] == code, error
    return error


def detail(api, wish_id: int) -> dict:
    status, body = api.get(f"/api/v1/wishes/{wish_id}")
    assert status == 200, body
    return body


def resolve_body(world, body):
    return body(world) if callable(body) else body


def assert_one_new_event(before: list, after: list, *, action: str, from_status, to_status: str, actor_id: int):
    assert after[: len(before)] == before, "earlier timeline events must not change"
    assert len(after) == len(before) + 1, after
    event = after[-1]
    assert (event["action"], event["from_status"], event["to_status"]) == (action, from_status, to_status)
    assert event["actor"]["id"] == actor_id


def set_review_required(app, area_id: int, value: bool | None) -> None:
    with app.app_context():
        db.session.get(Area, area_id).review_required = value
        db.session.commit()


def points(api) -> dict:
    status, body = api.get("/api/v1/me/points")
    assert status == 200, body
    return body


# -- post ------------------------------------------------------------------------------------


def test_posting_a_wish_waits_for_review_with_one_post_event(world):
    wish = post_wish(world.resident)

    assert wish["status"] == "pending_review"
    assert wish["number"] and wish["id"]
    assert wish["owner"]["id"] == world.user_id("resident")
    assert_one_new_event(
        [], wish["timeline"], action="post", from_status=None, to_status="pending_review", actor_id=wish["owner"]["id"]
    )
    assert detail(world.resident, wish["id"])["timeline"] == wish["timeline"]
    assert wish["created_at"].endswith("+08:00")
    assert wish["timeline"][0]["created_at"].endswith("+08:00")


@pytest.mark.parametrize(
    ("switches", "expected"),
    [
        ({"community": False}, "open"),
        ({"community": False, "grid": True}, "pending_review"),
        ({"district": False}, "open"),
    ],
    ids=["community_switches_review_off", "grid_switches_it_back_on", "district_switch_applies_below"],
)
def test_posting_where_review_is_switched_off_opens_the_wish_directly(app, world, switches, expected):
    for level, value in switches.items():
        set_review_required(app, getattr(world, level).id, value)

    wish = post_wish(world.resident)

    assert wish["status"] == expected
    assert_one_new_event(
        [], wish["timeline"], action="post", from_status=None, to_status=expected, actor_id=world.user_id("resident")
    )
    if expected == "open":
        # Straight into the pool: a party member can see and claim it.
        assert detail(world.member, wish["id"])["status"] == "open"
        assert act(world.member, wish["id"], "claim")["status"] == "claimed"


# -- every transition by the right person ----------------------------------------------------

TRANSITIONS = [
    # (from status, actor, action, body, to status, timeline action)
    ("pending_review", "worker", "review", {"decision": "approve"}, "open", "approve"),
    ("pending_review", "community_admin", "review", {"decision": "approve"}, "open", "approve"),
    ("pending_review", "district_admin", "review", {"decision": "approve"}, "open", "approve"),
    ("pending_review", "worker", "review", {"decision": "reject", "reason": "重复提交"}, "rejected", "reject"),
    ("pending_review", "resident", "cancel", None, "cancelled", "cancel"),
    ("open", "resident", "cancel", {"reason": "已自行解决"}, "cancelled", "cancel"),
    ("open", "member", "claim", None, "claimed", "claim"),
    ("open", "worker", "assign", lambda w: {"party_member_id": w.user_id("member2")}, "claimed", "assign"),
    ("open", "community_admin", "assign", lambda w: {"party_member_id": w.user_id("member2")}, "claimed", "assign"),
    ("claimed", "member", "release", None, "open", "release"),
    ("claimed", "worker", "release", {"reason": "认领人临时有事"}, "open", "release"),
    ("claimed", "community_admin", "release", None, "open", "release"),
    ("claimed", "member", "fulfil", {"note": "药已送到家"}, "fulfilled", "fulfil"),
    ("fulfilled", "resident", "confirm", {"stars": 4, "comment": "谢谢"}, "confirmed", "confirm"),
    ("fulfilled", "resident", "dispute", {"reason": "药没有送到"}, "disputed", "dispute"),
    ("disputed", "worker", "resolve", {"outcome": "confirmed", "note": "核实已送达"}, "confirmed", "resolve"),
    ("disputed", "worker", "resolve", {"outcome": "open"}, "open", "resolve"),
    ("disputed", "district_admin", "resolve", {"outcome": "open"}, "open", "resolve"),
    ("confirmed", "worker", "close", {"resolution": "completed"}, "closed", "close"),
    ("confirmed", "district_admin", "close", {"resolution": "completed"}, "closed", "close"),
    ("open", "worker", "close", {"resolution": "unresolved", "note": "长期无人认领"}, "closed", "close"),
    ("rejected", "worker", "close", {"resolution": "invalid"}, "closed", "close"),
    ("disputed", "worker", "close", {"resolution": "duplicate"}, "closed", "close"),
]


@pytest.mark.parametrize(
    ("start", "actor", "action", "body", "to", "event_action"),
    TRANSITIONS,
    ids=[f"{t[0]}-{t[2]}-by-{t[1]}-to-{t[4]}" for t in TRANSITIONS],
)
def test_transition_moves_the_wish_and_writes_exactly_one_timeline_event(
    world, wish_in, start, actor, action, body, to, event_action
):
    wish = wish_in(start)
    before = wish["timeline"]

    answered = act(world.clients[actor], wish["id"], action, resolve_body(world, body))

    assert answered["status"] == to
    seen_by_owner = detail(world.resident, wish["id"])
    assert seen_by_owner["status"] == to
    # The member who let the wish go is no longer involved: the pool sees it without a timeline.
    assert answered["timeline"] == ([] if (actor, to) == ("member", "open") else seen_by_owner["timeline"])
    assert_one_new_event(
        before,
        seen_by_owner["timeline"],
        action=event_action,
        from_status=start,
        to_status=to,
        actor_id=world.user_id(actor),
    )


def test_claim_makes_the_member_the_claimer(world, wish_in):
    wish = act(world.member, wish_in("open")["id"], "claim")
    assert wish["claimer"]["id"] == world.user_id("member")
    assert wish["claimed_at"] is not None


def test_assign_makes_the_chosen_member_the_claimer_and_lets_them_fulfil(world, wish_in):
    wish = act(world.worker, wish_in("open")["id"], "assign", {"party_member_id": world.user_id("member2")})
    assert wish["claimer"]["id"] == world.user_id("member2")
    assert wish["timeline"][-1]["actor"]["id"] == world.user_id("worker")
    assert act(world.member2, wish["id"], "fulfil", {"note": "已修好"})["status"] == "fulfilled"


@pytest.mark.parametrize("releaser", ["member", "worker"])
def test_release_puts_the_wish_back_in_the_pool_for_another_member(world, wish_in, releaser):
    wish = act(world.clients[releaser], wish_in("claimed")["id"], "release")
    assert wish["claimer"] is None
    assert act(world.member2, wish["id"], "claim")["claimer"]["id"] == world.user_id("member2")


def test_reject_keeps_the_reason_on_the_timeline(world, wish_in):
    wish = act(
        world.worker, wish_in("pending_review")["id"], "review", {"decision": "reject", "reason": "不属于服务范围"}
    )
    assert wish["timeline"][-1]["note"] == "不属于服务范围"


def test_fulfil_records_the_note_and_photos(app, world, wish_in, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    photos = [uploaded(world.member)["id"], uploaded(world.member)["id"]]
    wish = act(world.member, wish_in("claimed")["id"], "fulfil", {"note": "药已送到家", "photos": photos})
    assert (wish["fulfil_note"], wish["fulfil_photos"]) == ("药已送到家", photos)
    assert wish["fulfilled_at"] is not None


def test_confirm_records_stars_and_comment(world, wish_in):
    wish = act(world.resident, wish_in("fulfilled")["id"], "confirm", {"stars": 3, "comment": "来得有点晚"})
    assert (wish["stars"], wish["rating_comment"]) == (3, "来得有点晚")
    assert wish["confirmed_at"] is not None


def test_dispute_records_the_reason(world, wish_in):
    wish = act(world.resident, wish_in("fulfilled")["id"], "dispute", {"reason": "没有送到"})
    assert wish["dispute_reason"] == "没有送到"


def test_resolve_to_open_drops_the_claimer_so_another_member_can_claim(world, wish_in):
    wish = act(world.worker, wish_in("disputed")["id"], "resolve", {"outcome": "open"})
    assert wish["claimer"] is None
    assert act(world.member2, wish["id"], "claim")["status"] == "claimed"


def test_a_dispute_reopened_shows_nothing_of_the_last_attempt_but_its_timeline(world, wish_in):
    wish = wish_in("claimed")
    photo = uploaded(world.member)["id"]
    act(world.member, wish["id"], "fulfil", {"note": "药已送到家中", "photos": [photo]})
    act(world.resident, wish["id"], "dispute", {"reason": "没有送到"})

    reopened = act(world.worker, wish["id"], "resolve", {"outcome": "open"})

    assert reopened["status"] == "open"
    assert reopened["fulfil_note"] is None
    assert reopened["fulfil_photos"] == []
    assert reopened["fulfilled_at"] is None
    assert reopened["dispute_reason"] is None
    # The next claimer starts from a clean wish; the history stays in the timeline.
    claimed = act(world.member2, wish["id"], "claim")
    assert (claimed["fulfil_note"], claimed["dispute_reason"]) == (None, None)
    notes = [event["note"] for event in claimed["timeline"]]
    assert "药已送到家中" in notes and "没有送到" in notes


@pytest.mark.parametrize(
    ("start", "resolution"),
    [("confirmed", "completed"), ("open", "unresolved"), ("rejected", "invalid"), ("disputed", "duplicate")],
)
def test_close_records_the_resolution_and_is_final(world, wish_in, start, resolution):
    wish = act(world.worker, wish_in(start)["id"], "close", {"resolution": resolution})
    assert wish["resolution"] == resolution
    assert wish["closed_at"] is not None
    for other in ("completed", "unresolved"):
        status, body = world.worker.post(f"/api/v1/wishes/{wish['id']}/close", {"resolution": other})
        assert status == 409
        assert assert_error(body, "invalid_state")["details"]["status"] == "closed"


# -- wrong state → 409 -------------------------------------------------------------------------

# (action, actor who may do it in the right state, body, the states it is allowed from).
ACTIONS = [
    ("review", "worker", {"decision": "approve"}, {"pending_review"}),
    ("review", "worker", {"decision": "reject", "reason": "不属于服务范围"}, {"pending_review"}),
    ("cancel", "resident", None, {"pending_review", "open"}),
    ("assign", "worker", lambda w: {"party_member_id": w.user_id("member2")}, {"open"}),
    ("release", "worker", None, {"claimed"}),
    ("confirm", "resident", {"stars": 5}, {"fulfilled"}),
    ("dispute", "resident", {"reason": "没有送到"}, {"fulfilled"}),
    ("resolve", "worker", {"outcome": "confirmed"}, {"disputed"}),
    ("resolve", "worker", {"outcome": "open"}, {"disputed"}),
]
# Claiming and acting as claimer need a wish in the pool (and, for the claimer, a claimer).
CLAIM_STATES = {"claimed", "fulfilled", "confirmed", "disputed", "closed"}


def _variant(body) -> str:
    """ "-approve", "-completed"… for bodies whose first value picks the kind of action."""
    first = next(iter(body.values()), None) if isinstance(body, dict) else None
    return f"-{first}" if first in {"approve", "reject", "confirmed", "open", "completed", "unresolved"} else ""


WRONG_STATE_CASES = [
    *[
        (action, actor, body, status)
        for action, actor, body, allowed in ACTIONS
        for status in ALL_STATUSES
        if status not in allowed
    ],
    *[("claim", "member2", None, status) for status in sorted(CLAIM_STATES)],
    *[("release", "member", None, status) for status in sorted(CLAIM_STATES - {"claimed"})],
    *[("fulfil", "member", {"note": "已送到"}, status) for status in sorted(CLAIM_STATES - {"claimed"})],
    *[
        ("close", "worker", {"resolution": resolution}, status)
        for resolution in ("completed", "unresolved")
        for status in ("pending_review", "cancelled", "claimed", "fulfilled", "closed")
    ],
]


@pytest.mark.parametrize(
    ("action", "actor", "body", "status"),
    WRONG_STATE_CASES,
    ids=[f"{c[0]}{_variant(c[2])}-by-{c[1]}-in-{c[3]}" for c in WRONG_STATE_CASES],
)
def test_action_in_the_wrong_state_is_409_naming_the_current_state_and_changes_nothing(
    world, wish_in, action, actor, body, status
):
    wish = wish_in(status)

    code, answer = world.clients[actor].post(f"/api/v1/wishes/{wish['id']}/{action}", resolve_body(world, body))

    assert code == 409, answer
    assert assert_error(answer, "invalid_state")["details"]["status"] == status
    after = detail(world.resident, wish["id"])
    assert after["status"] == status
    assert after["timeline"] == wish["timeline"]


def test_only_one_of_two_members_claiming_wins(world, wish_in):
    wish = wish_in("open")
    act(world.member, wish["id"], "claim")

    status, body = world.member2.post(f"/api/v1/wishes/{wish['id']}/claim")

    assert status == 409
    assert assert_error(body, "invalid_state")["details"]["status"] == "claimed"
    assert detail(world.resident, wish["id"])["claimer"]["id"] == world.user_id("member")


@pytest.mark.parametrize(
    ("status", "resolution", "allowed"),
    [
        ("open", "completed", ["unresolved", "duplicate", "invalid"]),
        ("rejected", "completed", ["unresolved", "duplicate", "invalid"]),
        ("disputed", "completed", ["unresolved", "duplicate", "invalid"]),
        ("confirmed", "unresolved", ["completed"]),
        ("confirmed", "duplicate", ["completed"]),
        ("confirmed", "invalid", ["completed"]),
    ],
)
def test_close_with_a_resolution_the_state_does_not_allow_is_409_listing_the_allowed_ones(
    world, wish_in, status, resolution, allowed
):
    wish = wish_in(status)

    code, body = world.worker.post(f"/api/v1/wishes/{wish['id']}/close", {"resolution": resolution})

    assert code == 409, body
    details = assert_error(body, "invalid_state")["details"]
    assert details["status"] == status
    assert sorted(details["allowed_resolutions"]) == sorted(allowed)
    assert detail(world.worker, wish["id"])["status"] == status


# -- wrong person → 403 ------------------------------------------------------------------------

FORBIDDEN = [
    # (status, actor, action, body, error code)
    ("open", "neighbour", "claim", None, "not_verified_party_member"),
    ("open", "pending_member", "claim", None, "not_verified_party_member"),
    ("open", "worker", "claim", None, "not_verified_party_member"),
    ("open", "resident", "claim", None, "own_wish"),
    ("open", "other_worker", "review", {"decision": "approve"}, "forbidden"),
    ("open", "jiefang_admin", "review", {"decision": "reject", "reason": "不属于服务范围"}, "forbidden"),
    ("open", "member", "review", {"decision": "approve"}, "forbidden"),
    ("open", "neighbour", "cancel", None, "forbidden"),
    ("open", "worker", "cancel", None, "forbidden"),
    ("open", "other_worker", "assign", lambda w: {"party_member_id": w.user_id("member")}, "forbidden"),
    ("open", "jiefang_admin", "assign", lambda w: {"party_member_id": w.user_id("member")}, "forbidden"),
    ("open", "member", "assign", lambda w: {"party_member_id": w.user_id("member")}, "forbidden"),
    ("claimed", "member2", "release", None, "forbidden"),
    ("claimed", "resident", "release", None, "forbidden"),
    ("claimed", "other_worker", "release", None, "forbidden"),
    ("claimed", "member2", "fulfil", {"note": "已送到"}, "forbidden"),
    ("claimed", "worker", "fulfil", {"note": "已送到"}, "forbidden"),
    ("claimed", "resident", "fulfil", {"note": "已送到"}, "forbidden"),
    ("fulfilled", "neighbour", "confirm", {"stars": 5}, "forbidden"),
    ("fulfilled", "member", "confirm", {"stars": 5}, "forbidden"),
    ("fulfilled", "worker", "confirm", {"stars": 5}, "forbidden"),
    ("fulfilled", "member", "dispute", {"reason": "没有送到"}, "forbidden"),
    ("fulfilled", "neighbour", "dispute", {"reason": "没有送到"}, "forbidden"),
    ("disputed", "other_worker", "resolve", {"outcome": "confirmed"}, "forbidden"),
    ("disputed", "jiefang_admin", "resolve", {"outcome": "open"}, "forbidden"),
    ("disputed", "member", "resolve", {"outcome": "confirmed"}, "forbidden"),
    ("confirmed", "jiefang_admin", "close", {"resolution": "completed"}, "forbidden"),
    ("confirmed", "other_worker", "close", {"resolution": "completed"}, "forbidden"),
    ("confirmed", "member", "close", {"resolution": "completed"}, "forbidden"),
    ("confirmed", "resident", "close", {"resolution": "completed"}, "forbidden"),
]


@pytest.mark.parametrize(
    ("status", "actor", "action", "body", "code"),
    FORBIDDEN,
    ids=[f"{c[1]}-{c[2]}-in-{c[0]}" for c in FORBIDDEN],
)
def test_the_wrong_person_is_403_and_changes_nothing(world, wish_in, status, actor, action, body, code):
    wish = wish_in(status)

    answer_status, answer = world.clients[actor].post(
        f"/api/v1/wishes/{wish['id']}/{action}", resolve_body(world, body)
    )

    assert answer_status == 403, answer
    assert_error(answer, code)
    after = detail(world.resident, wish["id"])
    assert after["status"] == status
    assert after["timeline"] == wish["timeline"]


def test_a_wish_cannot_be_assigned_to_the_member_who_posted_it(world):
    wish = post_wish(world.member)
    act(world.worker, wish["id"], "review", {"decision": "approve"})

    status, body = world.worker.post(
        f"/api/v1/wishes/{wish['id']}/assign", {"party_member_id": world.user_id("member")}
    )

    assert status == 422
    assert "party_member_id" in assert_error(body)["details"]
    assert detail(world.member, wish["id"])["status"] == "open"


def test_a_party_member_cannot_claim_a_wish_they_posted(world):
    wish = post_wish(world.member)
    act(world.worker, wish["id"], "review", {"decision": "approve"})

    status, body = world.member.post(f"/api/v1/wishes/{wish['id']}/claim")

    assert status == 403
    assert_error(body, "own_wish")


# -- bad input → 422 ---------------------------------------------------------------------------

UNPROCESSABLE = [
    # (status, actor, action, body, the field named in details)
    ("pending_review", "worker", "review", {"decision": "reject"}, "reason"),
    ("pending_review", "worker", "review", {"decision": "reject", "reason": "   "}, "reason"),
    ("pending_review", "worker", "review", {"decision": "maybe"}, "decision"),
    ("open", "worker", "assign", lambda w: {"party_member_id": w.user_id("pending_member")}, "party_member_id"),
    ("open", "worker", "assign", lambda w: {"party_member_id": w.user_id("neighbour")}, "party_member_id"),
    ("open", "worker", "assign", lambda w: {"party_member_id": w.user_id("resident")}, "party_member_id"),
    ("open", "worker", "assign", {"party_member_id": 999999}, "party_member_id"),
    ("open", "worker", "assign", {}, "party_member_id"),
    ("claimed", "member", "fulfil", {}, "note"),
    ("claimed", "member", "fulfil", {"note": "  "}, "note"),
    ("fulfilled", "resident", "confirm", {"stars": 0}, "stars"),
    ("fulfilled", "resident", "confirm", {"stars": 6}, "stars"),
    ("fulfilled", "resident", "confirm", {"stars": "5"}, "stars"),
    ("fulfilled", "resident", "confirm", {"stars": 4.5}, "stars"),
    ("fulfilled", "resident", "confirm", {"stars": True}, "stars"),
    ("fulfilled", "resident", "confirm", {"comment": "很好"}, "stars"),
    ("fulfilled", "resident", "dispute", {}, "reason"),
    ("disputed", "worker", "resolve", {"outcome": "closed"}, "outcome"),
    ("confirmed", "worker", "close", {"resolution": "done"}, "resolution"),
    ("confirmed", "worker", "close", {}, "resolution"),
]


@pytest.mark.parametrize(
    ("status", "actor", "action", "body", "field"),
    UNPROCESSABLE,
    ids=[f"{c[2]}-{c[4]}-{i}" for i, c in enumerate(UNPROCESSABLE)],
)
def test_invalid_input_is_422_naming_the_field_and_changes_nothing(world, wish_in, status, actor, action, body, field):
    wish = wish_in(status)

    code, answer = world.clients[actor].post(f"/api/v1/wishes/{wish['id']}/{action}", resolve_body(world, body))

    assert code == 422, answer
    assert field in assert_error(answer)["details"]
    after = detail(world.resident, wish["id"])
    assert after["status"] == status
    assert after["timeline"] == wish["timeline"]


# -- the error shape and unknown wishes ---------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/wishes/999999", None),
        ("post", "/api/v1/wishes/999999/claim", None),
        ("post", "/api/v1/wishes/999999/review", {"decision": "approve"}),
        ("post", "/api/v1/wishes/999999/close", {"resolution": "completed"}),
    ],
)
def test_an_unknown_wish_is_404_in_the_error_shape(world, method, path, body):
    api = world.district_admin
    status, answer = api.get(path) if method == "get" else api.post(path, body)

    assert status == 404, answer
    assert_error(answer, "not_found")


def test_without_a_token_acting_on_a_wish_is_401_in_the_error_shape(world, wish_in, client):
    wish = wish_in("open")
    response = client.post(f"/api/v1/wishes/{wish['id']}/claim")
    assert response.status_code == 401
    assert_error(response.get_json())
    assert detail(world.resident, wish["id"])["status"] == "open"


# -- points ------------------------------------------------------------------------------------


def test_confirming_with_five_stars_gives_the_claimer_ten_plus_a_two_point_bonus(world, wish_in):
    wish = wish_in("fulfilled")

    act(world.resident, wish["id"], "confirm", {"stars": 5})

    mine = points(world.member)
    assert mine["balance"] == 12
    assert sorted((e["reason"], e["delta"], e["source"]) for e in mine["items"]) == [
        ("five_star_bonus", 2, f"wish:{wish['id']}"),
        ("wish_confirmed", 10, f"wish:{wish['id']}"),
    ]
    assert all(CHINESE.search(entry["reason_name"]) for entry in mine["items"])
    assert world.member.get("/api/v1/me")[1]["points_balance"] == 12
    assert points(world.resident)["balance"] == 0
    assert points(world.member2)["balance"] == 0


@pytest.mark.parametrize("stars", [1, 4])
def test_confirming_with_fewer_than_five_stars_gives_ten_points(world, wish_in, stars):
    act(world.resident, wish_in("fulfilled")["id"], "confirm", {"stars": stars})

    mine = points(world.member)
    assert mine["balance"] == 10
    assert [(e["reason"], e["delta"]) for e in mine["items"]] == [("wish_confirmed", 10)]


def test_confirming_twice_is_409_and_awards_nothing_more(world, wish_in):
    wish = wish_in("fulfilled")
    act(world.resident, wish["id"], "confirm", {"stars": 5})

    status, body = world.resident.post(f"/api/v1/wishes/{wish['id']}/confirm", {"stars": 5})

    assert status == 409
    assert assert_error(body, "invalid_state")["details"]["status"] == "confirmed"
    assert points(world.member)["balance"] == 12
    assert len(points(world.member)["items"]) == 2


def test_resolving_a_dispute_as_confirmed_awards_ten_points_once(world, wish_in):
    wish = wish_in("disputed")
    assert points(world.member)["balance"] == 0

    act(world.worker, wish["id"], "resolve", {"outcome": "confirmed"})
    world.worker.post(f"/api/v1/wishes/{wish['id']}/resolve", {"outcome": "confirmed"})
    act(world.worker, wish["id"], "close", {"resolution": "completed"})

    mine = points(world.member)
    assert mine["balance"] == 10
    assert [(e["reason"], e["delta"]) for e in mine["items"]] == [("wish_confirmed", 10)]
    assert world.member.get("/api/v1/me")[1]["points_balance"] == 10


def test_a_dispute_reopened_and_done_by_another_member_pays_only_the_one_who_finished(world, wish_in):
    wish = wish_in("disputed")
    act(world.worker, wish["id"], "resolve", {"outcome": "open"})
    act(world.member2, wish["id"], "claim")
    act(world.member2, wish["id"], "fulfil", {"note": "这次真的送到了"})
    act(world.resident, wish["id"], "confirm", {"stars": 5})

    assert points(world.member)["balance"] == 0
    assert points(world.member2)["balance"] == 12


@pytest.mark.parametrize("status", ["claimed", "fulfilled", "disputed"])
def test_no_points_before_the_wish_is_confirmed(world, wish_in, status):
    wish_in(status)
    assert points(world.member) == {"balance": 0, "items": [], "next_cursor": None}
