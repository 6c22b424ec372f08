"""Volunteer activities: who publishes them and sees the check-in code, the subtree list
(upcoming first), sign-ups with a waitlist that moves up, check-in rules and completion."""

from datetime import timedelta

import pytest

from server.core import clock
from tests.activities import activity_body, delete, members, publish


@pytest.fixture
def travel(monkeypatch):
    """``travel(moment)``: every clock.now() answers ``moment`` from then on."""
    return lambda moment: monkeypatch.setattr(clock, "now", lambda: moment)


def _at(activity: dict, key: str):
    from datetime import datetime

    return datetime.fromisoformat(activity[key])


# -- publishing -----------------------------------------------------------------------------


def test_a_grid_worker_publishes_an_activity_and_only_organiser_and_staff_see_its_checkin_code(world):
    activity = publish(world.worker, world.grid.id)
    assert activity["status"] == "upcoming"
    assert activity["places_left"] == 3 and activity["held"] == 0 and activity["my_signup"] is None
    assert len(activity["checkin_code"]) == 8
    assert activity["starts_at"].endswith("+08:00")

    for staff in (world.worker, world.community_admin, world.district_admin):
        status, seen = staff.get(f"/api/v1/activities/{activity['id']}")
        assert (status, seen["checkin_code"]) == (200, activity["checkin_code"])
    for outsider in (world.member, world.resident, world.other_worker, world.jiefang_admin):
        status, seen = outsider.get(f"/api/v1/activities/{activity['id']}")
        assert (status, seen["checkin_code"]) == (200, None)
        status, page = outsider.get("/api/v1/activities", area_id=world.grid.id)
        assert [item["checkin_code"] for item in page["items"]] == [None]


@pytest.mark.parametrize(
    ("who", "area", "expected"),
    [
        ("worker", "grid", 201),
        ("community_admin", "grid", 201),
        ("community_admin", "community", 201),
        ("district_admin", "other_community_grid", 201),
        ("worker", "community", 403),  # a grid worker's scope is their grid, not the community
        ("other_worker", "grid", 403),
        ("jiefang_admin", "grid", 403),
        ("member", "grid", 403),
        ("resident", "grid", 403),
    ],
)
def test_only_staff_whose_scope_covers_the_area_publish_there(world, who, area, expected):
    status, body = world.clients[who].post("/api/v1/activities", activity_body(getattr(world, area).id))
    assert status == expected, body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"length": timedelta(hours=-1)}, "ends_at"),
        ({"length": timedelta(0)}, "ends_at"),
        ({"starts_in": timedelta(hours=-5)}, "ends_at"),  # over already
        ({"capacity": 0}, "capacity"),
        ({"points_per_hour": -1}, "points_per_hour"),
        ({"latitude": 35.0}, "longitude"),
        ({"checkin_radius_m": 200}, "checkin_radius_m"),
        ({"starts_at": "2026-12-20T09:00:00"}, "starts_at"),  # no offset: whose nine o'clock?
    ],
)
def test_a_plan_that_cannot_happen_is_refused_naming_the_field(world, overrides, field):
    status, body = world.worker.post("/api/v1/activities", activity_body(world.grid.id, **overrides))
    assert status == 422, body
    assert field in body["error"]["details"]


def test_risky_text_in_an_activity_is_refused_and_nothing_is_published(world):
    status, body = world.worker.post("/api/v1/activities", activity_body(world.grid.id, place="高利贷咨询点"))
    assert (status, body["error"]["code"]) == (422, "content_risky")
    assert "place" in body["error"]["details"]
    assert world.worker.get("/api/v1/activities")[1]["items"] == []


# -- the list -------------------------------------------------------------------------------


def test_the_list_covers_the_subtree_with_upcoming_soonest_first_then_past_latest_first(world, travel):
    now = clock.now()
    later = publish(world.worker, world.grid.id, title="后天的活动", starts_in=timedelta(days=2))
    sooner = publish(world.worker, world.grid.id, title="明天的活动", starts_in=timedelta(days=1))
    in_community = publish(world.community_admin, world.community.id, title="社区活动", starts_in=timedelta(days=3))
    elsewhere = publish(world.jiefang_admin, world.other_community_grid.id, title="解放社区活动")
    travel(now + timedelta(days=1, hours=3))  # "明天的活动" is over now

    status, community = world.member.get("/api/v1/activities", area_id=world.community.id)
    assert status == 200
    assert [item["id"] for item in community["items"]] == [later["id"], in_community["id"], sooner["id"]]
    assert [item["status"] for item in community["items"]] == ["upcoming", "upcoming", "ended"]
    status, grid = world.member.get("/api/v1/activities", area_id=world.grid.id)
    assert [item["id"] for item in grid["items"]] == [later["id"], sooner["id"]]
    status, everywhere = world.member.get("/api/v1/activities")
    assert elsewhere["id"] in [item["id"] for item in everywhere["items"]]


def test_pages_of_the_list_follow_one_another_without_gaps_or_repeats(world, travel):
    now = clock.now()
    made = [publish(world.worker, world.grid.id, starts_in=timedelta(hours=6 * n + 1))["id"] for n in range(7)]
    travel(now + timedelta(hours=22))  # the first four are over, three to come
    seen, cursor = [], None
    while True:
        params = {"area_id": world.grid.id, "limit": 2, **({"cursor": cursor} if cursor else {})}
        status, page = world.member.get("/api/v1/activities", **params)
        assert status == 200, page
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made[4:] + made[3::-1]


def test_from_and_to_keep_the_activities_of_those_days(world):
    today = clock.shanghai_today()
    publish(world.worker, world.grid.id, title="三天后", starts_in=timedelta(days=3))
    publish(world.worker, world.grid.id, title="十天后", starts_in=timedelta(days=10))
    span = {"from": (today + timedelta(days=2)).isoformat(), "to": (today + timedelta(days=5)).isoformat()}
    status, page = world.member.get("/api/v1/activities", area_id=world.grid.id, **span)
    assert [item["title"] for item in page["items"]] == ["三天后"]
    status, body = world.member.get("/api/v1/activities", **{"from": "2027-01-05", "to": "2027-01-01"})
    assert status == 422 and "to" in body["error"]["details"]
    status, body = world.member.get("/api/v1/activities", cursor="bm9wZQ")
    assert status == 422 and "cursor" in body["error"]["details"]


# -- sign-ups and the waitlist -------------------------------------------------------------


def test_beyond_capacity_a_sign_up_is_waitlisted_and_the_first_waiting_moves_up_with_a_notification(
    world, client, factory
):
    activity = publish(world.worker, world.grid.id, capacity=2)
    first, second, third, fourth = members(client, factory, world.grid.id, 4)
    path = f"/api/v1/activities/{activity['id']}/signup"
    assert [api.post(path)[1]["status"] for api in (first, second, third, fourth)] == [
        "signed_up",
        "signed_up",
        "waitlisted",
        "waitlisted",
    ]
    status, seen = fourth.get(f"/api/v1/activities/{activity['id']}")
    assert seen["my_signup"]["waitlist_position"] == 2 and seen["waitlist_count"] == 2 and seen["places_left"] == 0

    status, withdrawn = delete(second, path)
    assert (status, withdrawn["status"]) == (200, "cancelled")

    assert third.get(f"/api/v1/activities/{activity['id']}")[1]["my_signup"]["status"] == "signed_up"
    status, seen = fourth.get(f"/api/v1/activities/{activity['id']}")
    assert seen["my_signup"]["waitlist_position"] == 1 and seen["held"] == 2
    (news,) = third.get("/api/v1/notifications")[1]["items"]
    assert news["kind"] == "activity_waitlist_promoted"
    assert "清理楼道杂物" in news["body"] and "红旗社区3号楼" in news["body"]
    assert fourth.get("/api/v1/notifications")[1]["items"] == []


def test_a_waitlisted_member_who_withdraws_frees_no_place_and_is_passed_over(world, client, factory):
    activity = publish(world.worker, world.grid.id, capacity=1)
    holder, waiting, next_waiting = members(client, factory, world.grid.id, 3)
    path = f"/api/v1/activities/{activity['id']}/signup"
    for api in (holder, waiting, next_waiting):
        api.post(path)
    assert delete(waiting, path)[1]["status"] == "cancelled"
    assert holder.get(f"/api/v1/activities/{activity['id']}")[1]["held"] == 1
    delete(holder, path)
    assert next_waiting.get(f"/api/v1/activities/{activity['id']}")[1]["my_signup"]["status"] == "signed_up"
    assert waiting.get(f"/api/v1/activities/{activity['id']}")[1]["my_signup"] is None


def test_signing_up_twice_answers_the_sign_up_there_is_and_withdrawing_then_signing_up_queues_afresh(
    world, client, factory
):
    activity = publish(world.worker, world.grid.id, capacity=1)
    path = f"/api/v1/activities/{activity['id']}/signup"
    status, first = world.member.post(path)
    assert (status, first["status"]) == (201, "signed_up")
    status, again = world.member.post(path)
    assert (status, again["id"], again["status"]) == (200, first["id"], "signed_up")
    assert world.member.get(f"/api/v1/activities/{activity['id']}")[1]["held"] == 1

    (other,) = members(client, factory, world.grid.id, 1)
    assert other.post(path)[1]["status"] == "waitlisted"
    delete(world.member, path)  # the place goes to the one waiting
    status, back = world.member.post(path)
    assert (status, back["id"], back["status"]) == (201, first["id"], "waitlisted")


def test_only_verified_party_members_sign_up(world):
    activity = publish(world.worker, world.grid.id)
    path = f"/api/v1/activities/{activity['id']}/signup"
    for who in ("resident", "pending_member", "worker"):
        status, body = world.clients[who].post(path)
        assert (status, body["error"]["code"]) == (403, "not_verified_party_member"), who
    assert world.member.post(path)[0] == 201
    assert world.member.post("/api/v1/activities/999999/signup")[0] == 404


def test_signing_up_to_or_withdrawing_from_an_activity_that_is_over_is_409(world, travel):
    activity = publish(world.worker, world.grid.id)
    path = f"/api/v1/activities/{activity['id']}/signup"
    world.member.post(path)
    travel(_at(activity, "ends_at") + timedelta(minutes=1))
    status, body = world.member2.post(path)
    assert (status, body["error"]["details"]["status"]) == (409, "ended")
    assert delete(world.member, path)[0] == 409
    assert delete(world.member2, path)[0] == 404  # never signed up


# -- check-in ---------------------------------------------------------------------------------


def _signed_up(world, **overrides) -> dict:
    activity = publish(world.worker, world.grid.id, **overrides)
    assert world.member.post(f"/api/v1/activities/{activity['id']}/signup")[0] == 201
    return activity


def test_check_in_opens_thirty_minutes_before_the_start_and_closes_at_the_end(world, travel):
    activity = _signed_up(world)
    path, code = f"/api/v1/activities/{activity['id']}/checkin", {"code": activity["checkin_code"]}
    starts_at, ends_at = _at(activity, "starts_at"), _at(activity, "ends_at")

    travel(starts_at - timedelta(minutes=31))
    status, body = world.member.post(path, code)
    assert (status, body["error"]["details"]["status"]) == (409, "upcoming")
    assert "30分钟" in body["error"]["message"]
    travel(ends_at + timedelta(seconds=1))
    assert world.member.post(path, code)[0] == 409
    travel(starts_at - timedelta(minutes=30))
    status, checked = world.member.post(path, code)
    assert status == 200 and checked["checked_in_at"] is not None


def test_a_wrong_code_is_422_and_checking_in_twice_answers_the_first_time(world, travel):
    activity = _signed_up(world)
    path = f"/api/v1/activities/{activity['id']}/checkin"
    travel(_at(activity, "starts_at") + timedelta(minutes=5))
    status, body = world.member.post(path, {"code": "WRONG123"})
    assert (status, body["error"]["code"]) == (422, "wrong_checkin_code")
    status, first = world.member.post(path, {"code": activity["checkin_code"].lower()})
    assert status == 200
    travel(_at(activity, "starts_at") + timedelta(minutes=50))
    status, again = world.member.post(path, {"code": activity["checkin_code"]})
    assert (status, again["checked_in_at"]) == (200, first["checked_in_at"])


def test_only_members_holding_a_place_check_in(world, client, factory, travel):
    activity = publish(world.worker, world.grid.id, capacity=1)
    world.member.post(f"/api/v1/activities/{activity['id']}/signup")
    world.member2.post(f"/api/v1/activities/{activity['id']}/signup")  # waitlisted
    travel(_at(activity, "starts_at"))
    code = {"code": activity["checkin_code"]}
    for who in ("member2", "resident", "worker"):
        status, body = world.clients[who].post(f"/api/v1/activities/{activity['id']}/checkin", code)
        assert (status, body["error"]["code"]) == (403, "not_signed_up"), who


# The Hongqi community square and points about 150 m and 1.1 km away (GCJ-02).
SQUARE = (35.0, 108.98)
NEAR = (35.00135, 108.98)
FAR = (35.0, 108.992)


def test_where_there_is_a_radius_check_in_must_be_within_it_and_a_refusal_names_the_distance(world, travel):
    activity = _signed_up(world, latitude=SQUARE[0], longitude=SQUARE[1], checkin_radius_m=200)
    path, code = f"/api/v1/activities/{activity['id']}/checkin", activity["checkin_code"]
    travel(_at(activity, "starts_at"))

    status, body = world.member.post(path, {"code": code})
    assert (status, body["error"]["code"]) == (422, "location_required")
    status, body = world.member.post(path, {"code": code, "latitude": FAR[0], "longitude": FAR[1]})
    assert (status, body["error"]["code"]) == (422, "too_far_to_check_in")
    assert body["error"]["details"]["distance_m"] == pytest.approx(1094, abs=5)
    assert f"约 {body['error']['details']['distance_m']} 米" in body["error"]["message"]
    assert "200 米" in body["error"]["message"]
    status, checked = world.member.post(path, {"code": code, "latitude": NEAR[0], "longitude": NEAR[1]})
    assert status == 200 and checked["checked_in_at"]


def test_without_a_radius_no_position_is_asked(world, travel):
    activity = _signed_up(world, latitude=SQUARE[0], longitude=SQUARE[1])
    travel(_at(activity, "starts_at"))
    path = f"/api/v1/activities/{activity['id']}/checkin"
    assert (
        world.member.post(path, {"code": activity["checkin_code"], "latitude": FAR[0], "longitude": FAR[1]})[0] == 200
    )


# -- completion ---------------------------------------------------------------------------------


def _held_and_checked_in(world, client, factory, travel, count: int, **overrides):
    activity = publish(world.worker, world.grid.id, capacity=count + 1, **overrides)
    apis = members(client, factory, world.grid.id, count + 1)
    for api in apis:
        api.post(f"/api/v1/activities/{activity['id']}/signup")
    travel(_at(activity, "starts_at") + timedelta(minutes=10))
    for api in apis[:count]:  # the last signed up but did not come
        assert api.post(f"/api/v1/activities/{activity['id']}/checkin", {"code": activity["checkin_code"]})[0] == 200
    return activity, apis


def _user_id(api) -> int:
    return api.get("/api/v1/me")[1]["id"]


def test_completion_credits_each_member_checked_in_with_the_length_or_the_hours_given_capped_and_points_once(
    world, client, factory, travel
):
    activity, (full, partial, capped, absent) = _held_and_checked_in(
        world, client, factory, travel, 3, length=timedelta(hours=2, minutes=30), points_per_hour=4
    )
    travel(_at(activity, "ends_at") + timedelta(minutes=5))
    hours = {str(_user_id(partial)): 1.5, str(_user_id(capped)): 8}
    status, done = world.worker.post(f"/api/v1/activities/{activity['id']}/complete", {"hours": hours})
    assert status == 200, done
    credited = {credit["user_id"]: (credit["hours"], credit["points"]) for credit in done["credits"]}
    assert credited == {_user_id(full): (2.5, 10), _user_id(partial): (1.5, 6), _user_id(capped): (2.5, 10)}

    status, again = world.worker.post(f"/api/v1/activities/{activity['id']}/complete")
    assert (status, again["error"]["details"]["status"]) == (409, "completed")
    for api, balance in ((full, 10), (partial, 6), (capped, 10), (absent, 0)):
        points = api.get("/api/v1/me/points")[1]
        assert points["balance"] == balance
        assert [entry["reason"] for entry in points["items"]] == (["volunteer_hours"] if balance else [])
    (news,) = partial.get("/api/v1/notifications")[1]["items"]
    assert news["kind"] == "activity_hours_credited" and "1.5 小时" in news["body"]
    seen = partial.get(f"/api/v1/activities/{activity['id']}")[1]
    assert seen["status"] == "completed" and seen["my_signup"]["credited_hours"] == 1.5


def test_hours_for_someone_not_checked_in_are_refused_and_nothing_is_credited(world, client, factory, travel):
    activity, apis = _held_and_checked_in(world, client, factory, travel, 1)
    absent = _user_id(apis[-1])
    path = f"/api/v1/activities/{activity['id']}/complete"
    status, body = world.worker.post(path, {"hours": {str(absent): 1}})
    assert status == 422 and str(absent) in body["error"]["details"]["hours"]
    assert world.worker.get(f"/api/v1/activities/{activity['id']}")[1]["completed_at"] is None
    status, body = world.worker.post(path, {"hours": {str(_user_id(apis[0])): -1}})
    assert status == 422
    assert world.worker.post(path)[0] == 200


@pytest.mark.parametrize(("who", "expected"), [("worker", 200), ("community_admin", 200), ("other_worker", 403)])
def test_the_organiser_or_staff_above_complete_and_no_one_else(world, client, factory, travel, who, expected):
    activity, apis = _held_and_checked_in(world, client, factory, travel, 1)
    status, body = world.clients[who].post(f"/api/v1/activities/{activity['id']}/complete")
    assert status == expected, body
    status, body = apis[0].post(f"/api/v1/activities/{activity['id']}/complete")
    assert status in (403, 409)  # a member never completes


def test_an_activity_that_has_not_begun_cannot_be_completed(world):
    activity = publish(world.worker, world.grid.id)
    status, body = world.worker.post(f"/api/v1/activities/{activity['id']}/complete")
    assert (status, body["error"]["details"]["status"]) == (409, "upcoming")


def test_a_completed_activity_takes_no_more_sign_ups_or_check_ins(world, client, factory, travel):
    activity, apis = _held_and_checked_in(world, client, factory, travel, 1)
    world.worker.post(f"/api/v1/activities/{activity['id']}/complete")
    status, body = world.member.post(f"/api/v1/activities/{activity['id']}/signup")
    assert (status, body["error"]["details"]["status"]) == (409, "completed")
    status, body = apis[1].post(f"/api/v1/activities/{activity['id']}/checkin", {"code": activity["checkin_code"]})
    assert (status, body["error"]["details"]["status"]) == (409, "completed")


def test_the_written_out_answers_have_exactly_the_fields_the_document_shows(world):
    from miniprogram_api.schemas.activities import ActivitySchema, MySignupSchema, VolunteerRecordSchema

    activity = publish(world.worker, world.grid.id)
    world.member.post(f"/api/v1/activities/{activity['id']}/signup")
    seen = world.member.get(f"/api/v1/activities/{activity['id']}")[1]
    listed = world.member.get("/api/v1/activities")[1]["items"][0]
    for answer in (activity, seen, listed):
        assert set(answer) == set(ActivitySchema().fields)
    assert set(seen["my_signup"]) == set(MySignupSchema().fields)
    assert set(world.member.get("/api/v1/me/volunteer-record")[1]) == set(VolunteerRecordSchema().fields)


def test_publishing_again_with_the_same_idempotency_key_replays_and_creates_nothing_new(world):
    body, key = activity_body(world.grid.id), {"Idempotency-Key": "activity-retry-1"}
    status, first = world.worker.post("/api/v1/activities", body, headers=key)
    status_again, again = world.worker.post("/api/v1/activities", body, headers=key)
    assert (status, status_again, again["id"]) == (201, 201, first["id"])
    assert len(world.worker.get("/api/v1/activities")[1]["items"]) == 1
