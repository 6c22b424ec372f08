"""The admin pages of the console (issue 14): the area tree and its import, the staff of the
subtree with their console sign-ins, a community's rules, one's own password; and the same
console credential through the API and `flask admin set-password`."""

import io

import pytest
from sqlalchemy import select

from server.accounts.models import RoleGrant, StaffCredential
from server.areas.models import Area
from server.core.extensions import db
from tests.console import csrf_token, give_password, sign_in
from tests.fixtures.api import post_wish

ADMIN_PASSWORD = "district-admin-pass"
AREAS = "/console/admin/areas"
STAFF = "/console/admin/staff"


@pytest.fixture
def admin_console(app, world):
    give_password(app, world.user_id("district_admin"), "district", ADMIN_PASSWORD)
    client = app.test_client()
    assert sign_in(client, "district", ADMIN_PASSWORD).status_code == 303
    return client


def post_form(client, page: str, action: str, data: dict | None = None, **options):
    """POST a form of ``page`` as the browser does: its CSRF token, the page as the referrer."""
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, **(data or {})}, headers={"Referer": page}, **options)


def flashed(client, page: str) -> str:
    return client.get(page).get_data(as_text=True)


def area_named(app, name: str) -> Area:
    with app.app_context():
        area = db.session.scalar(select(Area).where(Area.name == name))
        db.session.expunge_all()
        return area


# -- the area tree -------------------------------------------------------------------------


def test_the_tree_page_shows_the_admins_subtree_nested_and_links_each_communitys_rules(world, admin_console):
    page = admin_console.get(AREAS).get_data(as_text=True)

    assert page.index("耀州区") < page.index("永安路街道") < page.index("红旗社区第1网格")
    assert f"/console/admin/areas/{world.community.id}/rules" in page


def test_a_community_admin_sees_only_their_community_in_the_tree(app, world):
    give_password(app, world.user_id("community_admin"), "hongqi", ADMIN_PASSWORD)
    client = app.test_client()
    sign_in(client, "hongqi", ADMIN_PASSWORD)

    page = client.get(AREAS).get_data(as_text=True)

    assert "红旗社区第1网格" in page and "解放社区" not in page and "永安路街道" not in page


def test_an_admin_creates_renames_moves_and_retires_nodes_from_the_tree_page(app, world, admin_console):
    response = post_form(
        admin_console, AREAS, AREAS, {"parent_id": world.community.id, "level": "grid", "name": "红旗社区第3网格"}
    )
    assert response.status_code == 303
    grid = area_named(app, "红旗社区第3网格")
    assert grid.parent_id == world.community.id and "已新建网格" in flashed(admin_console, AREAS)

    post_form(admin_console, AREAS, f"{AREAS}/{grid.id}/rename", {"name": "红旗社区第9网格"})
    jiefang = area_named(app, "解放社区")
    post_form(admin_console, AREAS, f"{AREAS}/{grid.id}/move", {"parent_id": jiefang.id})
    moved = area_named(app, "红旗社区第9网格")
    assert moved.parent_id == jiefang.id

    post_form(admin_console, AREAS, f"{AREAS}/{grid.id}/retire", {"confirm": "on"})
    assert area_named(app, "红旗社区第9网格").retired_at is not None


def test_a_refused_tree_action_is_flashed_on_the_tree_page(app, world, admin_console):
    response = post_form(
        admin_console, AREAS, AREAS, {"parent_id": world.community.id, "level": "grid", "name": "红旗社区第1网格"}
    )

    assert response.status_code == 303 and response.headers["Location"] == AREAS
    assert "同一上级下已有同名区域" in flashed(admin_console, AREAS)


def test_a_grid_worker_cannot_open_the_admin_pages(app, world):
    give_password(app, world.user_id("worker"), "worker")
    client = app.test_client()
    sign_in(client, "worker")

    assert client.get(AREAS).status_code == 403
    assert client.get(STAFF).status_code == 403
    assert "区域管理" not in client.get("/console/").get_data(as_text=True)


def test_a_sheet_is_imported_from_the_tree_page(app, world, admin_console):
    sheet = "街道,社区,网格\n永安路街道,红旗社区,红旗社区第5网格\n新华街道,新华社区,\n".encode()
    response = post_form(
        admin_console,
        AREAS,
        f"{AREAS}/import",
        {"parent_id": world.district.id, "file": (io.BytesIO(sheet), "areas.csv")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 303
    assert area_named(app, "红旗社区第5网格") is not None and area_named(app, "新华社区") is not None
    assert "导入完成" in flashed(admin_console, AREAS)


def test_a_sheet_with_bad_rows_is_refused_whole_with_its_failing_rows_in_a_table(app, world, admin_console):
    sheet = "街道,社区,网格\n永安路街道,红旗社区,好网格\n,无街道社区,\n永安路街道,,孤网格\n".encode()
    response = post_form(
        admin_console,
        AREAS,
        f"{AREAS}/import",
        {"parent_id": world.district.id, "file": (io.BytesIO(sheet), "areas.csv")},
        content_type="multipart/form-data",
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="sheet-errors"' in page and "<td>3</td>" in page and "<td>4</td>" in page
    assert "街道不能为空" in page and "网格必须填写所属社区" in page
    assert area_named(app, "好网格") is None


# -- a community's rules -------------------------------------------------------------------


def test_an_admin_sets_a_communitys_windows_in_hours_and_days(app, world, admin_console):
    page = f"{AREAS}/{world.community.id}/rules"
    form = {"review": "off", "claim_timeout_seconds": "2", "claim_timeout_seconds_unit": "days"}
    form |= {"claim_reminder_seconds": "36", "claim_reminder_seconds_unit": "hours"}

    response = post_form(admin_console, page, page, form)

    assert response.status_code == 303
    community = area_named(app, "红旗社区")
    assert (community.review_required, community.claim_timeout_seconds) == (False, 2 * 86400)
    assert community.claim_reminder_seconds == 36 * 3600 and community.confirm_window_seconds is None
    assert post_wish(world.resident)["status"] == "open"
    shown = admin_console.get(page).get_data(as_text=True)
    assert 'value="36"' in shown and 'value="2"' in shown


def test_a_window_out_of_bounds_is_refused_on_the_rules_page(app, world, admin_console):
    page = f"{AREAS}/{world.community.id}/rules"
    response = post_form(
        admin_console, page, page, {"review_window_seconds": "31", "review_window_seconds_unit": "days"}
    )

    assert response.status_code == 303 and response.headers["Location"] == page
    assert "时限超出允许范围" in flashed(admin_console, page)
    assert area_named(app, "红旗社区").review_window_seconds is None


# -- staff -----------------------------------------------------------------------------------


def test_the_staff_page_lists_the_grants_of_the_subtree(world, admin_console):
    page = admin_console.get(STAFF).get_data(as_text=True)

    for name in ("worker", "other_worker", "community_admin", "jiefang_admin"):
        assert f"<small>{name}</small>" in page


def test_the_people_search_finds_residents_of_the_subtree_by_nickname_openid_or_phone(app, world, admin_console):
    found = admin_console.get(f"{STAFF}/people", query_string={"q": "neighb"}).get_data(as_text=True)
    assert f'value="{world.user_id("neighbour")}"' in found

    page = admin_console.get(STAFF, query_string={"q": "resident"}).get_data(as_text=True)  # without script
    assert f'value="{world.user_id("resident")}"' in page


def test_the_people_search_does_not_find_people_outside_the_subtree(app, world):
    give_password(app, world.user_id("jiefang_admin"), "jiefang", ADMIN_PASSWORD)
    client = app.test_client()
    sign_in(client, "jiefang", ADMIN_PASSWORD)

    found = client.get(f"{STAFF}/people", query_string={"q": "neighbour"}).get_data(as_text=True)

    assert "no-people" in found


def test_an_admin_grants_a_grid_worker_and_revokes_the_grant(app, world, admin_console):
    form = {"user_id": world.user_id("neighbour"), "role": "grid_worker", "area_id": world.other_grid.id}
    assert post_form(admin_console, STAFF, f"{STAFF}/grants", form).status_code == 303
    with app.app_context():
        grant_id = db.session.scalar(
            select(RoleGrant.id).where(RoleGrant.user_id == world.user_id("neighbour"), RoleGrant.role == "grid_worker")
        )
    assert grant_id is not None and "已授予" in flashed(admin_console, STAFF)

    post_form(admin_console, STAFF, f"{STAFF}/grants/{grant_id}/revoke")
    with app.app_context():
        assert db.session.get(RoleGrant, grant_id) is None


def test_a_grid_worker_grant_on_a_community_is_refused_on_the_staff_page(world, admin_console):
    form = {"user_id": world.user_id("neighbour"), "role": "grid_worker", "area_id": world.community.id}
    post_form(admin_console, STAFF, f"{STAFF}/grants", form)

    assert "网格员只能授予网格" in flashed(admin_console, STAFF)


def test_an_admin_sets_a_workers_console_password_and_the_worker_signs_in(app, world, admin_console):
    form = {"username": "Hongqi-Worker", "password": "first-password-1"}
    assert (
        post_form(admin_console, STAFF, f"{STAFF}/users/{world.user_id('worker')}/credential", form).status_code == 303
    )

    worker = app.test_client()
    assert sign_in(worker, "hongqi-worker", "first-password-1").status_code == 303
    assert "hongqi-worker" in flashed(admin_console, STAFF)


def test_resetting_a_password_ends_that_persons_console_sessions(app, world, admin_console):
    give_password(app, world.user_id("worker"), "worker")
    worker = app.test_client()
    sign_in(worker, "worker")
    assert worker.get("/console/").status_code == 200

    form = {"username": "worker", "password": "a-new-password"}
    post_form(admin_console, STAFF, f"{STAFF}/users/{world.user_id('worker')}/credential", form)

    assert worker.get("/console/").status_code == 302


def test_a_console_password_shorter_than_10_characters_is_refused(app, world, admin_console):
    form = {"username": "worker", "password": "short"}
    post_form(admin_console, STAFF, f"{STAFF}/users/{world.user_id('worker')}/credential", form)

    assert "密码长度应为" in flashed(admin_console, STAFF)
    with app.app_context():
        assert db.session.get(StaffCredential, world.user_id("worker")) is None


# -- the console credential through the API ----------------------------------------------------


def put_credential(api, user_id: int, body: dict):
    response = api.client.put(
        f"/api/v1/admin/users/{user_id}/console-credential", json=body, headers=api._headers(None)
    )
    return response.status_code, response.get_json()


def test_the_api_sets_a_staff_members_console_credential(app, world):
    status, body = put_credential(
        world.community_admin, world.user_id("worker"), {"username": "W01", "password": "p" * 10}
    )

    assert status == 200 and body == {"user_id": world.user_id("worker"), "username": "w01"}
    assert sign_in(app.test_client(), "w01", "p" * 10).status_code == 303


def test_usernames_are_unique_whatever_their_case(world):
    put_credential(world.district_admin, world.user_id("worker"), {"username": "hongqi", "password": "p" * 10})

    status, body = put_credential(
        world.district_admin, world.user_id("other_worker"), {"username": "HongQi", "password": "p" * 10}
    )

    assert status == 409 and body["error"]["code"] == "username_taken"


@pytest.mark.parametrize(
    ("admin", "target"),
    [
        ("jiefang_admin", "worker"),  # a grid worker of another community
        ("community_admin", "district_admin"),  # an admin above the caller
        ("worker", "other_worker"),  # not an admin at all
    ],
)
def test_only_an_admin_of_every_grant_of_the_person_sets_their_console_credential(world, admin, target):
    status, body = put_credential(
        world.clients[admin], world.user_id(target), {"username": "x-y-z", "password": "p" * 10}
    )

    assert status == 403 and body["error"]["code"] == "admin_required"


def test_a_console_credential_is_for_staff_only(world):
    status, body = put_credential(
        world.district_admin, world.user_id("resident"), {"username": "res", "password": "p" * 10}
    )

    assert status == 422 and body["error"]["code"] == "not_staff"


# -- flask admin set-password, one's own password ------------------------------------------------


def test_set_password_gives_the_first_admin_a_console_sign_in_from_a_prompt(app, world):
    result = app.test_cli_runner().invoke(
        args=["admin", "set-password", "--openid", "district_admin", "--username", "Chief"],
        input="chief-password-1\nchief-password-1\n",
    )

    assert result.exit_code == 0, result.output
    assert "chief-password-1" not in result.output
    assert sign_in(app.test_client(), "chief", "chief-password-1").status_code == 303


def test_set_password_refuses_a_person_without_a_staff_grant(app, world):
    result = app.test_cli_runner().invoke(
        args=["admin", "set-password", "--openid", "resident", "--username", "res"],
        input="p" * 10 + "\n" + "p" * 10 + "\n",
    )

    assert result.exit_code != 0 and "flask admin create" in result.output


def test_a_staff_member_changes_their_own_password_and_their_other_sessions_end(app, world):
    give_password(app, world.user_id("worker"), "worker")
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, "worker")
    sign_in(elsewhere, "worker")

    form = {"old_password": "correct horse battery", "new_password": "a brand new password"}
    response = post_form(here, "/console/password", "/console/password", form)

    assert response.status_code == 303
    assert here.get("/console/").status_code == 200
    assert elsewhere.get("/console/").status_code == 302
    assert sign_in(app.test_client(), "worker", "a brand new password").status_code == 303


def test_a_wrong_current_password_does_not_change_it(app, world):
    give_password(app, world.user_id("worker"), "worker")
    client = app.test_client()
    sign_in(client, "worker")

    post_form(client, "/console/password", "/console/password", {"old_password": "nope", "new_password": "x" * 12})

    assert "当前密码不正确" in flashed(client, "/console/password")
    assert sign_in(app.test_client(), "worker").status_code == 303
