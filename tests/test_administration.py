"""Setting up a real district through the API (issue 14): the area tree, its import from a
sheet, staff grants and community rules, each within the admin's own subtree."""

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from server.accounts.models import RoleGrant, User
from server.accounts.operations import grant_role
from server.activities.models import Activity
from server.areas import operations as tree
from server.areas.models import Area
from server.areas.operations import create_area
from server.core.extensions import db
from server.wishes.models import Wish
from tests.fixtures.api import VALID_WISH, ApiClient, act, login, post_wish

AREAS = "/api/v1/admin/areas"
GRANTS = "/api/v1/admin/grants"


@pytest.fixture
def other_district_admin(app, client, world) -> ApiClient:
    with app.app_context():
        district = create_area("印台区", "district")
        user = User(openid="yintai_admin", nickname="yintai_admin")
        db.session.add(user)
        db.session.flush()
        grant_role(user, "admin", district.id)
        db.session.commit()
    return login(client, "yintai_admin")


def _node(name: str, level: str, parent) -> dict:
    return {"name": name, "level": level, "parent_id": parent.id}


def _delete(api: ApiClient, path: str):
    response = api.client.delete(path, headers=api._headers(None))
    return response.status_code, response.get_json(silent=True)


def _patch(api: ApiClient, path: str, json):
    response = api.client.patch(path, json=json, headers=api._headers(None))
    return response.status_code, response.get_json(silent=True)


def _put(api: ApiClient, path: str, json):
    response = api.client.put(path, json=json, headers=api._headers(None))
    return response.status_code, response.get_json(silent=True)


def _upload(api: ApiClient, data: bytes, filename="district.csv", **form):
    response = api.client.post(
        f"{AREAS}/import",
        data={"file": (io.BytesIO(data), filename), **form},
        content_type="multipart/form-data",
        headers=api._headers(None),
    )
    return response.status_code, response.get_json(silent=True)


def _area_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Area))


def _children(api: ApiClient, parent_id: int) -> dict[str, int]:
    status, body = api.get("/api/v1/areas", parent_id=parent_id)
    assert status == 200, body
    return {item["name"]: item["id"] for item in body["items"]}


# -- creating, renaming and moving nodes -------------------------------------------------------


def test_district_admin_creates_a_street_and_it_is_listed(world):
    status, body = world.district_admin.post(
        AREAS, {"name": "  天宝路街道 ", "level": "street", "parent_id": world.district.id}
    )
    assert status == 201, body
    assert body["name"] == "天宝路街道" and body["level"] == "street" and body["parent_id"] == world.district.id
    assert "天宝路街道" in _children(world.district_admin, world.district.id)


def test_a_node_of_the_wrong_level_is_422_naming_the_expected_one(world):
    status, body = world.district_admin.post(AREAS, {"name": "新网格", "level": "grid", "parent_id": world.district.id})
    assert status == 422 and "street" in body["error"]["details"]["level"][0]


def test_nothing_hangs_under_a_grid(world):
    status, body = world.district_admin.post(AREAS, {"name": "楼栋", "level": "grid", "parent_id": world.grid.id})
    assert status == 422 and body["error"]["code"] == "grid_has_no_children"


def test_a_sibling_of_the_same_name_is_409(world):
    status, body = world.community_admin.post(
        AREAS, {"name": "红旗社区第2网格", "level": "grid", "parent_id": world.community.id}
    )
    assert status == 409 and body["error"]["code"] == "duplicate_area_name"


def test_a_name_too_long_or_blank_is_422(world):
    for name in ("格" * 65, "   "):
        status, body = world.community_admin.post(
            AREAS, {"name": name, "level": "grid", "parent_id": world.community.id}
        )
        assert status == 422 and "name" in body["error"]["details"], name


@pytest.mark.parametrize("who", ["jiefang_admin", "other_district_admin", "worker", "resident"])
def test_only_an_admin_of_the_parents_subtree_creates_under_it(world, other_district_admin, who):
    api = other_district_admin if who == "other_district_admin" else world.clients[who]
    status, body = api.post(AREAS, {"name": "红旗社区第9网格", "level": "grid", "parent_id": world.community.id})
    assert status == 403 and body["error"]["code"] == "admin_required"


def test_rename_changes_the_name_and_keeps_the_node(world):
    status, body = _patch(world.community_admin, f"{AREAS}/{world.other_grid.id}", {"name": "红旗社区东网格"})
    assert status == 200 and body["id"] == world.other_grid.id
    assert _children(world.community_admin, world.community.id)["红旗社区东网格"] == world.other_grid.id


def test_rename_to_a_siblings_name_is_409(world):
    status, body = _patch(world.community_admin, f"{AREAS}/{world.other_grid.id}", {"name": "红旗社区第1网格"})
    assert status == 409 and body["error"]["code"] == "duplicate_area_name"


def test_a_moved_grid_takes_its_wishes_and_activities_to_the_new_community(app, world):
    wish = post_wish(world.resident)
    status, _ = world.worker.post(
        "/api/v1/activities",
        {
            "title": "义务理发",
            "description": "为老人理发",
            "area_id": world.grid.id,
            "place": "红旗社区活动室",
            "starts_at": "2030-01-05T09:00:00+08:00",
            "ends_at": "2030-01-05T11:00:00+08:00",
            "capacity": 10,
            "points_per_hour": 5,
        },
    )
    assert status == 201
    with app.app_context():
        jiefang_id = db.session.get(Area, world.other_community_grid.id).parent_id
    status, body = _patch(world.district_admin, f"{AREAS}/{world.grid.id}", {"parent_id": jiefang_id})
    assert status == 200, body
    assert body["parent_id"] == jiefang_id and body["path"].endswith(f"/{jiefang_id}/{world.grid.id}/")
    with app.app_context():
        assert db.session.get(Wish, wish["id"]).area_path == body["path"]
        assert {a.area_path for a in db.session.scalars(select(Activity))} == {body["path"]}
    # Jiefang's admin now administers the grid; Hongqi's no longer does.
    rename = {"name": "解放社区第2网格"}
    assert _patch(world.community_admin, f"{AREAS}/{world.grid.id}", rename)[0] == 403
    assert _patch(world.jiefang_admin, f"{AREAS}/{world.grid.id}", rename)[0] == 200


def test_a_node_cannot_move_under_itself(world):
    status, body = _patch(world.district_admin, f"{AREAS}/{world.community.id}", {"parent_id": world.grid.id})
    assert status == 422 and body["error"]["code"] == "move_into_itself"


def test_a_move_needs_the_admin_of_both_ends(app, world):
    with app.app_context():
        jiefang_id = db.session.get(Area, world.other_community_grid.id).parent_id
    status, body = _patch(world.community_admin, f"{AREAS}/{world.other_grid.id}", {"parent_id": jiefang_id})
    assert status == 403 and body["error"]["code"] == "admin_required"


# -- import ------------------------------------------------------------------------------------

SHEET = (
    "街道,社区,网格\n"
    "永安路街道,红旗社区,红旗社区第1网格\n"
    "永安路街道,塔坡社区,塔坡社区第1网格\n"
    "永安路街道,塔坡社区,塔坡社区第2网格\n"
    "天宝路街道,,\n"
)


def test_import_creates_what_is_missing_and_counts_what_exists(world):
    status, body = _upload(world.district_admin, SHEET.encode("utf-8-sig"))
    assert status == 201, body
    assert body["created"] == {"street": 1, "community": 1, "grid": 2}
    assert body["existing"] == {"street": 1, "community": 1, "grid": 1}
    streets = _children(world.district_admin, world.district.id)
    assert "天宝路街道" in streets
    status, again = _upload(world.district_admin, SHEET.encode("utf-8-sig"))
    assert status == 201 and again["created"] == {"street": 0, "community": 0, "grid": 0}
    assert again["existing"] == {"street": 2, "community": 2, "grid": 3}


def test_import_reads_gbk_csv_as_excel_in_china_saves_it(world):
    status, body = _upload(world.district_admin, "街道,社区,网格\n城关街道,北关社区,北关社区第1网格\n".encode("gbk"))
    assert status == 201, body
    assert body["created"] == {"street": 1, "community": 1, "grid": 1}
    assert "城关街道" in _children(world.district_admin, world.district.id)


def test_import_reads_an_xlsx_sheet(world):
    workbook = Workbook()
    sheet = workbook.active
    for row in (
        ["网格", "社区", "街道"],
        [1, "锦阳社区", "锦阳路街道"],
        [None, None, None],
        ["2", "锦阳社区", "锦阳路街道"],
    ):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    status, body = _upload(world.district_admin, buffer.getvalue(), "district.xlsx")
    assert status == 201, body
    assert body["created"] == {"street": 1, "community": 1, "grid": 2}


def test_import_with_any_bad_row_is_refused_whole_naming_the_rows(app, world):
    before = _area_count(app)
    bad = (
        "街道,社区,网格\n新区街道,新社区,新网格\n,孤儿社区,\n新区街道,,无社区网格\n新区街道,新社区," + "长" * 65 + "\n"
    )
    status, body = _upload(world.district_admin, bad.encode())
    assert status == 422 and body["error"]["code"] == "sheet_rows_invalid"
    assert set(body["error"]["details"]["rows"]) == {"3", "4", "5"}
    assert "网格必须填写所属社区" in body["error"]["details"]["rows"]["4"]
    assert _area_count(app) == before


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not_a_sheet"),
        (b"PK\x03\x04not really a zip", "not_a_sheet"),
        ("名称,编号\n红旗,1\n".encode(), "sheet_header_invalid"),
        (("街道,社区,网格\n" + "永安路街道,红旗社区,网格\n" * 60000).encode(), "sheet_too_large"),
    ],
)
def test_import_refuses_what_is_not_a_district_sheet(app, world, data, code):
    before = _area_count(app)
    status, body = _upload(world.district_admin, data)
    assert status == 422 and body["error"]["code"] == code, body
    assert _area_count(app) == before


@pytest.mark.parametrize("who", ["community_admin", "other_district_admin", "worker", "resident"])
def test_only_the_districts_admin_imports_under_it(world, other_district_admin, who):
    api = other_district_admin if who == "other_district_admin" else world.clients[who]
    status, body = _upload(api, SHEET.encode(), parent_id=str(world.district.id))
    assert status == 403 and body["error"]["code"] == "admin_required"


# -- grants ------------------------------------------------------------------------------------


def test_a_granted_grid_worker_acts_on_the_next_request_and_a_revoked_one_cannot(world):
    wish = post_wish(world.resident)
    act(world.neighbour, wish["id"], "review", {"decision": "approve"}, expect=404)  # not theirs to see
    status, grant = world.community_admin.post(
        GRANTS, {"user_id": world.user_id("neighbour"), "role": "grid_worker", "area_id": world.grid.id}
    )
    assert status == 201 and grant["role"] == "grid_worker" and grant["area_id"] == world.grid.id
    status, seen = world.neighbour.get(f"/api/v1/wishes/{wish['id']}")
    assert status == 200 and seen["contact_phone"] == "13812341234"  # a read sees the grant
    act(world.neighbour, wish["id"], "review", {"decision": "approve"})
    status, _ = _delete(world.community_admin, f"{GRANTS}/{grant['id']}")
    assert status == 204
    status, seen = world.neighbour.get(f"/api/v1/wishes/{wish['id']}")
    assert seen["contact_phone"] != "13812341234"
    act(world.neighbour, wish["id"], "close", {"resolution": "duplicate"}, expect=403)


def test_an_admin_grant_lets_the_user_administer_that_subtree(world):
    status, _ = world.district_admin.post(
        GRANTS, {"user_id": world.user_id("neighbour"), "role": "admin", "area_id": world.community.id}
    )
    assert status == 201
    status, _ = world.neighbour.post(
        AREAS, {"name": "红旗社区第3网格", "level": "grid", "parent_id": world.community.id}
    )
    assert status == 201


def test_grid_worker_is_granted_for_a_grid_only(world):
    body = {"user_id": world.user_id("neighbour"), "role": "grid_worker", "area_id": world.community.id}
    status, answer = world.community_admin.post(GRANTS, body)
    assert status == 422 and answer["error"]["code"] == "not_a_grid"


def test_the_same_grant_twice_is_409(world):
    body = {"user_id": world.user_id("worker"), "role": "grid_worker", "area_id": world.grid.id}
    status, answer = world.community_admin.post(GRANTS, body)
    assert status == 409 and answer["error"]["code"] == "grant_exists"


@pytest.mark.parametrize("who", ["jiefang_admin", "other_district_admin", "worker", "resident"])
def test_only_an_admin_of_that_subtree_grants_and_revokes(app, world, other_district_admin, who):
    api = other_district_admin if who == "other_district_admin" else world.clients[who]
    body = {"user_id": world.user_id("neighbour"), "role": "grid_worker", "area_id": world.grid.id}
    status, answer = api.post(GRANTS, body)
    assert status == 403 and answer["error"]["code"] == "admin_required"
    with app.app_context():
        worker_grant = db.session.scalar(select(RoleGrant.id).where(RoleGrant.user_id == world.user_id("worker")))
    status, answer = _delete(api, f"{GRANTS}/{worker_grant}")
    assert status == 403 and answer["error"]["code"] == "admin_required"


def test_a_party_membership_is_not_revoked_as_a_staff_grant(app, world):
    with app.app_context():
        membership = db.session.scalar(select(RoleGrant.id).where(RoleGrant.user_id == world.user_id("member")))
    assert _delete(world.district_admin, f"{GRANTS}/{membership}")[0] == 404


# -- community rules ---------------------------------------------------------------------------


def test_a_community_that_switches_review_off_opens_new_wishes_at_once(world):
    path = f"{AREAS}/{world.community.id}/rules"
    status, body = world.community_admin.get(path)
    # The rules grew the lifecycle windows (tests/test_lifecycle_windows.py); review is as it was.
    assert status == 200 and (body["area_id"], body["review_required"]) == (world.community.id, None)
    status, body = _put(world.community_admin, path, {"review_required": False})
    assert status == 200 and body["review_required"] is False
    assert post_wish(world.resident)["status"] == "open"


@pytest.mark.parametrize("who", ["jiefang_admin", "worker", "resident"])
def test_only_the_communitys_admins_set_its_rules(world, who):
    status, body = _put(world.clients[who], f"{AREAS}/{world.community.id}/rules", {"review_required": False})
    assert status == 403 and body["error"]["code"] == "admin_required"


def test_rules_are_set_on_communities_only(world):
    status, body = world.district_admin.get(f"{AREAS}/{world.grid.id}/rules")
    assert status == 422 and body["error"]["code"] == "not_a_community"


# -- flask admin create --------------------------------------------------------------------------


def test_admin_create_makes_the_first_admin_and_their_district(app, client):
    result = app.test_cli_runner().invoke(args=["admin", "create", "--openid", "first-admin", "--district", "耀州区"])
    assert result.exit_code == 0, result.output
    api = login(client, "first-admin")
    status, body = api.get("/api/v1/areas")
    assert status == 200 and [item["name"] for item in body["items"]] == ["耀州区"]
    status, street = api.post(AREAS, {"name": "永安路街道", "level": "street", "parent_id": body["items"][0]["id"]})
    assert status == 201, street


def test_admin_create_refuses_when_an_admin_exists(app, world):
    result = app.test_cli_runner().invoke(args=["admin", "create", "--openid", "someone", "--district", "耀州区"])
    assert result.exit_code != 0 and "admin exists" in result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.openid == "someone")) is None


# -- retiring a node -----------------------------------------------------------------------------


def test_a_retired_grid_takes_no_new_wishes_but_its_old_ones_stay_readable(world):
    old = post_wish(world.resident)
    status, body = world.community_admin.post(f"{AREAS}/{world.grid.id}/retire")
    assert status == 200 and body["retired_at"] is not None
    status, answer = world.resident.post("/api/v1/wishes", {**VALID_WISH})
    assert status == 409 and answer["error"]["code"] == "area_retired"
    status, seen = world.resident.get(f"/api/v1/wishes/{old['id']}")
    assert status == 200 and seen["title"] == old["title"]
    assert world.grid.id not in _children(world.community_admin, world.community.id).values()


def test_retiring_a_community_retires_its_grids(world):
    assert world.district_admin.post(f"{AREAS}/{world.community.id}/retire")[0] == 200
    status, answer = world.resident.post("/api/v1/wishes", {**VALID_WISH})
    assert status == 409 and answer["error"]["code"] == "area_retired"
    status, answer = world.district_admin.post(AREAS, _node("新网格", "grid", world.community))
    assert status == 409 and answer["error"]["code"] == "area_retired"


@pytest.mark.parametrize("who", ["jiefang_admin", "worker", "resident"])
def test_only_an_admin_of_the_node_retires_it(world, who):
    status, body = world.clients[who].post(f"{AREAS}/{world.grid.id}/retire")
    assert status == 403 and body["error"]["code"] == "admin_required"


def test_an_import_without_a_file_is_422_naming_it(world):
    response = world.district_admin.client.post(
        f"{AREAS}/import",
        data={"parent_id": str(world.district.id)},
        content_type="multipart/form-data",
        headers=world.district_admin._headers(None),
    )
    assert response.status_code == 422 and "file" in response.get_json()["error"]["details"]


def test_a_sibling_named_by_a_concurrent_request_is_409_not_a_server_error(world, monkeypatch):
    monkeypatch.setattr(tree, "ensure_unique_sibling_name", lambda *args, **kwargs: None)  # the race: both checked
    status, body = world.community_admin.post(AREAS, _node("红旗社区第2网格", "grid", world.community))
    assert status == 409 and body["error"]["code"] == "duplicate_area_name"
    assert "红旗社区第2网格" in _children(world.community_admin, world.community.id)


def test_a_move_onto_a_siblings_name_taken_by_a_concurrent_request_is_409_and_moves_nothing(app, world, monkeypatch):
    with app.app_context():
        grid = db.session.get(Area, world.grid.id)
        grid_name, jiefang_id = grid.name, db.session.get(Area, world.other_community_grid.id).parent_id
    assert world.district_admin.post(AREAS, {"name": grid_name, "level": "grid", "parent_id": jiefang_id})[0] == 201
    monkeypatch.setattr(tree, "ensure_unique_sibling_name", lambda *args, **kwargs: None)  # the race: both checked
    status, body = _patch(world.district_admin, f"{AREAS}/{world.grid.id}", {"parent_id": jiefang_id})
    assert status == 409 and body["error"]["code"] == "duplicate_area_name"
    assert _children(world.community_admin, world.community.id)[grid_name] == world.grid.id
