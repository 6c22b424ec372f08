"""What one person may do at once or in a day, beyond posts and logins: claims held (3), sign-ups,
redemptions and announcements per day. Each refusal is 429 in the one error shape with
Retry-After; each counts per person, never per address, and only what was done counts."""

from datetime import timedelta

import pytest
import requests

from tests.activities import publish
from tests.console_pages import post_form, signed_in
from tests.fixtures.api import ApiClient, act
from tests.test_claim_race import _fire_at_once
from tests.test_store import RICE, give_points

pytestmark = pytest.mark.commits  # the limited apps of make_app see only what is committed
HERE = {"REMOTE_ADDR": "203.0.113.7"}


def _assert_limited(response_status, body, headers, code: str, longest: int):
    assert response_status == 429, body
    assert body["error"]["code"] == code
    retry_after = int(headers["Retry-After"])
    assert 1 <= retry_after <= longest + 1
    assert body["error"]["details"]["retry_after"] == retry_after


def _post(api: ApiClient, path: str, json=None):
    response = api.client.post(path, json=json, headers={"Authorization": f"Bearer {api.token}"}, environ_base=HERE)
    return response.status_code, response.get_json(), response.headers


# -- claims held at once --------------------------------------------------------------------


def test_a_member_holding_three_claims_is_refused_a_fourth_until_one_is_done(app, world, wish_in):
    wishes = [wish_in("open") for _ in range(4)]
    for wish in wishes[:3]:
        act(world.member, wish["id"], "claim")

    status, body, headers = _post(world.member, f"/api/v1/wishes/{wishes[3]['id']}/claim")

    _assert_limited(status, body, headers, "too_many_claims", app.config["CLAIM_TIMEOUT_SECONDS"])
    assert "3" in body["error"]["message"]
    assert world.resident.get(f"/api/v1/wishes/{wishes[3]['id']}")[1]["status"] == "open"
    act(world.member, wishes[0]["id"], "fulfil", {"note": "已送到"})
    assert act(world.member, wishes[3]["id"], "claim")["status"] == "claimed"


def test_a_grid_worker_may_assign_a_member_beyond_the_claims_they_chose(world, wish_in):
    wishes = [wish_in("open") for _ in range(4)]
    for wish in wishes[:3]:
        act(world.member, wish["id"], "claim")

    assigned = act(world.worker, wishes[3]["id"], "assign", {"party_member_id": world.user_id("member")})

    assert assigned["status"] == "claimed"


# -- per day --------------------------------------------------------------------------------


@pytest.fixture
def limited(make_app, world):
    """An app with the limits on (tests run with them off), and the world's people in it."""
    app = make_app(
        RATELIMIT_ENABLED=True, RATELIMIT_SIGNUP="2/day", RATELIMIT_REDEEM="1/day", RATELIMIT_ANNOUNCEMENT_POST="1/day"
    )
    return app, lambda name: ApiClient(app.test_client(), world.clients[name].token)


def test_sign_ups_beyond_the_days_limit_are_refused_and_withdrawals_cost_nothing(world, limited):
    _, as_ = limited
    member = as_("member")
    activities = [publish(world.worker, world.grid.id, starts_in=timedelta(days=2)) for _ in range(3)]
    assert _post(member, f"/api/v1/activities/{activities[0]['id']}/signup")[0] == 201
    response = member.client.delete(
        f"/api/v1/activities/{activities[0]['id']}/signup", headers={"Authorization": f"Bearer {member.token}"}
    )
    assert response.status_code == 200
    assert _post(member, f"/api/v1/activities/{activities[1]['id']}/signup")[0] == 201

    status, body, headers = _post(member, f"/api/v1/activities/{activities[2]['id']}/signup")

    _assert_limited(status, body, headers, "rate_limited", 86400)
    # Another member behind the same address has a day of their own.
    assert _post(as_("member2"), f"/api/v1/activities/{activities[2]['id']}/signup")[0] == 201


def test_a_redemption_refused_for_want_of_stock_does_not_use_up_the_days_limit(app, world, limited):
    _, as_ = limited
    give_points(app, world.user_id("member"), 100)
    sold_out = world.worker.post("/api/v1/rewards", {**RICE, "area_id": world.community.id, "stock": 0})[1]
    in_stock = world.worker.post("/api/v1/rewards", {**RICE, "area_id": world.community.id, "stock": 5})[1]
    member = as_("member")

    assert _post(member, f"/api/v1/rewards/{sold_out['id']}/redeem")[0] == 409
    assert _post(member, f"/api/v1/rewards/{in_stock['id']}/redeem")[0] == 201
    status, body, headers = _post(member, f"/api/v1/rewards/{in_stock['id']}/redeem")

    _assert_limited(status, body, headers, "rate_limited", 86400)


def test_a_staff_member_publishes_a_days_announcements_and_no_more(world, limited):
    _, as_ = limited
    notice = {"title": "停水通知", "body": "明日上午9点至12点停水。", "area_id": world.community.id}

    assert _post(as_("community_admin"), "/api/v1/announcements", notice)[0] == 201
    status, body, headers = _post(as_("community_admin"), "/api/v1/announcements", notice)

    _assert_limited(status, body, headers, "rate_limited", 86400)
    assert _post(as_("district_admin"), "/api/v1/announcements", notice)[0] == 201


def test_two_claims_at_once_for_the_last_place_leave_the_member_at_three(app, world, wish_in, live_server):
    held = [wish_in("open") for _ in range(2)]
    for wish in held:
        act(world.member, wish["id"], "claim")
    racing = [wish_in("open") for _ in range(4)]
    headers = {"Authorization": f"Bearer {world.member.token}"}

    answers = _fire_at_once(
        [
            lambda wish=wish: requests.post(
                f"{live_server}/api/v1/wishes/{wish['id']}/claim", headers=headers, timeout=30
            )
            for wish in racing
        ]
    )

    assert sorted(answer.status_code for answer in answers) == [200, 429, 429, 429]
    mine = world.member.get("/api/v1/wishes", mine="claimed", status="claimed")[1]["items"]
    assert len(mine) == 3


def test_announcements_published_in_the_console_count_toward_the_same_days_limit(world, limited):
    app, as_ = limited
    notice = {"title": "停水通知", "body": "明日上午9点至12点停水。", "area_id": str(world.community.id)}
    browser = signed_in(app, world, "community_admin")
    assert post_form(browser, "/console/announcements", notice, page="/console/announcements").status_code == 303

    refused = post_form(browser, "/console/announcements", notice, page="/console/announcements")

    assert refused.status_code == 429
    assert "今天的次数已用完" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 3600
    status, _body, _headers = _post(
        as_("community_admin"), "/api/v1/announcements", {**notice, "area_id": world.community.id}
    )
    assert status == 429, "the mini-program's limit is the same one"
