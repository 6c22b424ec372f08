"""A community's own lifecycle windows (issue 14): its admin sets them through the rules API,
and the sweeps and the response deadline hold its wishes to them while its neighbours keep
the settings."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from server.areas.models import Area
from server.areas.rules import windows_for
from server.core import clock
from server.core.extensions import db
from server.wishes import tasks
from server.wishes.models import Wish
from tests.fixtures.api import act, post_wish
from tests.fixtures.database import postgresql_only
from tests.test_query_plans import assert_indexed, community, statements_on  # noqa: F401
from tests.test_wish_tasks import age, run, status_of

HOUR = 3600
DAY = 24 * HOUR


def rules_path(area) -> str:
    return f"/api/v1/admin/areas/{area.id}/rules"


def put_rules(api, area, **body):
    response = api.client.put(rules_path(area), json={"review_required": None, **body}, headers=api._headers(None))
    return response.status_code, response.get_json()


def set_rules(world, **windows) -> dict:
    status, body = put_rules(world.community_admin, world.community, **windows)
    assert status == 200, body
    return body


def claimed(world, grid, reviewer: str) -> dict:
    wish = post_wish(world.resident, grid_id=grid.id)
    act(world.clients[reviewer], wish["id"], "review", {"decision": "approve"})
    return act(world.member, wish["id"], "claim")


def test_a_community_with_a_48_hour_timeout_releases_a_claim_its_neighbour_keeps_for_7_days(app, world):
    set_rules(world, claim_reminder_seconds=24 * HOUR, claim_timeout_seconds=48 * HOUR)
    ours = claimed(world, world.grid, "worker")
    neighbours = claimed(world, world.other_community_grid, "jiefang_admin")
    for wish in (ours, neighbours):
        age(app, wish["id"], 48 * HOUR + 60)

    assert run(app, tasks.claim_timeout) == 1
    assert status_of(world.resident, ours["id"])["status"] == "open"
    assert status_of(world.resident, neighbours["id"])["status"] == "claimed"

    age(app, neighbours["id"], 7 * DAY - 48 * HOUR)
    assert run(app, tasks.claim_timeout) == 1
    assert status_of(world.resident, neighbours["id"])["status"] == "open"


def test_too_many_claims_says_to_retry_when_the_first_held_claim_is_released_by_its_own_community(app, world):
    set_rules(world, claim_reminder_seconds=24 * HOUR, claim_timeout_seconds=48 * HOUR)
    # The oldest two in the neighbour's community, on the setting's 7 days: released in 6.
    for wish in [claimed(world, world.other_community_grid, "jiefang_admin") for _ in range(2)]:
        age(app, wish["id"], DAY)
    claimed(world, world.grid, "worker")  # the newest, on our 48 hours: released first
    fourth = post_wish(world.resident, grid_id=world.grid.id)
    act(world.worker, fourth["id"], "review", {"decision": "approve"})

    response = world.member.client.post(
        f"/api/v1/wishes/{fourth['id']}/claim", headers={"Authorization": f"Bearer {world.member.token}"}
    )

    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "too_many_claims"
    assert 48 * HOUR - 60 <= int(response.headers["Retry-After"]) <= 48 * HOUR


def test_a_community_reminds_claimers_after_its_own_window_and_its_neighbour_after_the_setting(app, world):
    set_rules(world, claim_reminder_seconds=12 * HOUR)
    ours = claimed(world, world.grid, "worker")
    neighbours = claimed(world, world.other_community_grid, "jiefang_admin")
    for wish in (ours, neighbours):
        age(app, wish["id"], 12 * HOUR + 60)

    assert run(app, tasks.claim_reminder) == 1
    with app.app_context():
        assert db.session.get(Wish, ours["id"]).reminded_at is not None
        assert db.session.get(Wish, neighbours["id"]).reminded_at is None

    age(app, neighbours["id"], app.config["CLAIM_REMINDER_SECONDS"])
    assert run(app, tasks.claim_reminder) == 1


def test_a_wish_approved_in_a_community_with_its_own_escalation_window_is_due_by_it(app, world):
    set_rules(world, unclaimed_escalation_seconds=24 * HOUR)
    ours = post_wish(world.resident)
    act(world.worker, ours["id"], "review", {"decision": "approve"})
    neighbours = post_wish(world.resident, grid_id=world.other_community_grid.id)
    act(world.jiefang_admin, neighbours["id"], "review", {"decision": "approve"})

    with app.app_context():
        for wish_id, window in (
            (ours["id"], 24 * HOUR),
            (neighbours["id"], app.config["UNCLAIMED_ESCALATION_SECONDS"]),
        ):
            wish = db.session.get(Wish, wish_id)
            assert wish.response_due_at - wish.opened_at == timedelta(seconds=window)


def test_a_wish_posted_where_review_is_off_is_due_by_its_communitys_escalation_window(app, world):
    set_rules(world, unclaimed_escalation_seconds=30 * HOUR)
    status, _ = put_rules(world.community_admin, world.community, review_required=False)
    assert status == 200
    wish = post_wish(world.resident)
    assert wish["status"] == "open"
    with app.app_context():
        row = db.session.get(Wish, wish["id"])
        assert row.response_due_at - row.opened_at == timedelta(hours=30)


def test_an_open_wish_escalates_after_its_communitys_window(app, world):
    set_rules(world, unclaimed_escalation_seconds=6 * HOUR)
    wish = post_wish(world.resident)
    act(world.worker, wish["id"], "review", {"decision": "approve"})
    age(app, wish["id"], 6 * HOUR + 60)
    assert run(app, tasks.unclaimed_escalation) == 1


def test_the_rules_show_each_window_as_set_and_as_in_force(app, world):
    body = set_rules(world, confirm_window_seconds=DAY)
    assert body["confirm_window_seconds"] == DAY and body["claim_timeout_seconds"] is None
    assert body["windows"]["confirm_window_seconds"] == DAY
    assert body["windows"]["claim_timeout_seconds"] == app.config["CLAIM_TIMEOUT_SECONDS"]

    body = set_rules(world, confirm_window_seconds=None)
    assert body["windows"]["confirm_window_seconds"] == app.config["CONFIRM_WINDOW_SECONDS"]


def test_a_window_left_out_of_the_rules_keeps_its_value(world):
    set_rules(world, review_window_seconds=2 * HOUR)
    body = set_rules(world)
    assert body["review_window_seconds"] == 2 * HOUR


@pytest.mark.parametrize("seconds", [HOUR - 1, 30 * DAY + 1])
def test_a_window_outside_one_hour_to_30_days_is_refused(world, seconds):
    status, body = put_rules(world.community_admin, world.community, review_window_seconds=seconds)
    assert status == 422 and body["error"]["code"] == "window_out_of_bounds"
    assert "review_window_seconds" in body["error"]["details"]


def test_a_claim_reminder_at_or_after_the_timeout_is_refused(world):
    status, body = put_rules(world.community_admin, world.community, claim_timeout_seconds=2 * DAY)
    assert status == 422 and body["error"]["code"] == "reminder_after_timeout"  # the 5-day reminder
    status, body = put_rules(
        world.community_admin, world.community, claim_reminder_seconds=DAY, claim_timeout_seconds=DAY
    )
    assert status == 422 and body["error"]["code"] == "reminder_after_timeout"


def test_a_window_is_a_whole_number_of_seconds(world):
    status, body = put_rules(world.community_admin, world.community, claim_timeout_seconds="7200")
    assert status == 422 and "claim_timeout_seconds" in body["error"]["details"]


def test_windows_for_a_grid_are_its_communitys_and_above_a_community_the_settings(app, world):
    set_rules(world, claim_timeout_seconds=6 * DAY)
    with app.app_context():
        grid = db.session.get(Area, world.grid.id)
        assert windows_for(grid).claim_timeout_seconds == 6 * DAY
        assert windows_for(grid.path).claim_timeout_seconds == 6 * DAY
        assert (
            windows_for(db.session.get(Area, world.district.id)).claim_timeout_seconds
            == (app.config["CLAIM_TIMEOUT_SECONDS"])
        )
        neighbour = db.session.get(Area, world.other_community_grid.id)
        assert windows_for(neighbour).claim_timeout_seconds == app.config["CLAIM_TIMEOUT_SECONDS"]


@postgresql_only("the plans under test are PostgreSQL's; make test-postgres runs it")
@pytest.mark.commits  # bench.seed bulk-loads through a raw connection of its own
def test_the_claim_timeout_sweep_stays_indexed_with_a_community_on_its_own_window(app, community):  # noqa: F811
    with app.app_context():
        db.session.execute(
            update(Area).where(Area.id == community["community_id"]).values(claim_timeout_seconds=2 * DAY)
        )
        db.session.commit()

    def sweep():
        with app.app_context():
            tasks.claim_timeout(clock.now() - timedelta(days=3650))  # nothing due: the search alone
            db.session.rollback()

    assert_indexed(app, statements_on(app, sweep))
