"""A person's rights over their data (PIPL arts. 45, 47): everything held about them as JSON,
erasure that keeps the statistics and everyone else's points, contact details purged after the
retention period, and a privacy notice anyone can read first."""

from datetime import timedelta

from sqlalchemy import select

from server.core import clock
from server.core.extensions import db
from server.privacy.tasks import contact_purge
from server.wishes.models import Wish
from tests.activities import delete
from tests.fixtures.api import VALID_WISH, login, register_unit

EXPORT = "/api/v1/me/export"


def test_the_export_holds_the_persons_wishes_points_and_inbox_with_their_own_contact(world, wish_in):
    wish = wish_in("confirmed")  # the resident's, done by the member

    status, export = world.resident.get(EXPORT)

    assert status == 200
    tables = export["tables"]
    (me,) = tables["users"]
    assert me["id"] == world.user_id("resident") and me["openid"] == "resident"
    (posted,) = [row for row in tables["wishes"] if row["id"] == wish["id"]]
    assert posted["contact_phone"] == VALID_WISH["contact_phone"]
    assert posted["address"] == VALID_WISH["address"]
    assert tables["notifications"], "the inbox comes with it"
    assert {event["action"] for event in tables["wish_events"]} >= {"post", "confirm"}


def test_the_export_of_a_helper_masks_the_contact_of_the_wishes_they_helped_with(world, wish_in):
    wish = wish_in("confirmed")

    tables = world.member.get(EXPORT)[1]["tables"]

    (helped,) = [row for row in tables["wishes"] if row["id"] == wish["id"]]
    assert helped["contact_phone"] == "138****1234"
    assert VALID_WISH["address"] not in str(tables)
    assert "resident" not in {row.get("openid") for row in tables["users"]}
    assert [row["source"] for row in tables["point_entries"]] == [f"wish:{wish['id']}", f"wish:{wish['id']}"]


def test_the_export_never_carries_a_password_hash(app, world):
    from tests.console import give_password

    give_password(app, world.user_id("worker"), "worker-1")

    tables = world.worker.get(EXPORT)[1]["tables"]

    (credential,) = tables["staff_credentials"]
    assert credential["username"] == "worker-1"
    assert "password_hash" not in credential
    assert "argon2" not in str(tables)


def test_erasure_is_refused_while_the_person_holds_a_claim(world, wish_in):
    wish = wish_in("claimed")

    response = delete(world.member, "/api/v1/me")

    assert response[0] == 409
    assert response[1]["error"]["code"] == "holding_claim"
    assert response[1]["error"]["details"]["wish_number"] == wish["number"]
    assert world.member.get("/api/v1/me")[0] == 200


def test_erasure_is_refused_while_a_helper_is_doing_the_persons_wish(world, wish_in):
    wish_in("claimed")

    status, body = delete(world.resident, "/api/v1/me")

    assert status == 409
    assert body["error"]["code"] == "wish_in_progress"


def test_an_erased_resident_is_signed_out_unlinked_and_anonymised_and_the_statistics_do_not_change(
    app, client, world, wish_in
):
    done = wish_in("confirmed")
    waiting = wish_in("open")
    overview = world.district_admin.get("/api/v1/stats/overview", area_id=world.district.id)[1]

    assert delete(world.resident, "/api/v1/me")[0] == 204

    assert world.resident.get("/api/v1/me")[0] == 401
    again = login(client, "resident")  # the same WeChat account: a new, empty one
    assert again.get("/api/v1/me")[1]["id"] != world.user_id("resident")
    assert again.get("/api/v1/wishes", mine="posted")[1]["items"] == []
    seen = world.worker.get(f"/api/v1/wishes/{done['id']}")[1]
    assert seen["title"] == "（已注销）"
    assert VALID_WISH["contact_phone"] not in str(seen) and VALID_WISH["address"] not in str(seen)
    assert world.worker.get(f"/api/v1/wishes/{waiting['id']}")[1]["status"] == "cancelled"
    after = world.district_admin.get("/api/v1/stats/overview", area_id=world.district.id)[1]
    assert after["total"] == overview["total"]
    assert after["resolution_rate"] == overview["resolution_rate"]


def test_an_erased_member_keeps_their_points_under_a_pseudonym_so_no_ranking_changes(world, wish_in):
    wish_in("confirmed")
    board = world.worker.get("/api/v1/leaderboard", area_id=world.grid.id, period="all")[1]["items"]

    assert delete(world.member, "/api/v1/me")[0] == 204

    after = world.worker.get("/api/v1/leaderboard", area_id=world.grid.id, period="all")[1]["items"]
    assert [row["points"] for row in after] == [row["points"] for row in board]
    names = {row["nickname"] for row in after}
    assert "member" not in names and "已注销用户" in names


def test_the_privacy_notice_is_public_and_states_the_retention_it_applies(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PII_RETENTION_DAYS", 90)

    response = client.get("/api/v1/privacy")

    assert response.status_code == 200
    notice = response.get_json()
    contact = next(item for item in notice["items"] if "地址" in item["data"])
    assert "90 天" in contact["retention"]
    assert any("/api/v1/me/export" in right for right in notice["rights"])


def test_the_contact_of_a_wish_ended_longer_ago_than_the_retention_is_purged(app, world, wish_in, monkeypatch):
    old = wish_in("confirmed")
    recent = wish_in("confirmed")
    active = wish_in("claimed")
    days = app.config["PII_RETENTION_DAYS"]
    with app.app_context():
        db.session.get(Wish, old["id"]).confirmed_at = clock.now() - timedelta(days=days + 1)
        db.session.get(Wish, recent["id"]).confirmed_at = clock.now() - timedelta(days=days - 1)
        db.session.commit()

        assert contact_purge(clock.now()) == 1

        contacts = dict(db.session.execute(select(Wish.id, Wish.contact_phone)).all())
    assert contacts[old["id"]] == ""
    assert contacts[recent["id"]] == VALID_WISH["contact_phone"]
    assert contacts[active["id"]] == VALID_WISH["contact_phone"]


def test_the_export_of_who_registered_a_unit_masks_its_contact_person_who_is_not_them(world):
    unit = register_unit(world.worker, world.community.id)

    tables = world.worker.get(EXPORT)[1]["tables"]

    (registered,) = tables["unit_organisations"]
    assert registered["id"] == unit["id"] and registered["name"] == "区委办党支部"
    assert (registered["contact_name"], registered["contact_phone"]) == ("孙**", "139****5678")
    assert "13912345678" not in str(tables) and "孙主任" not in str(tables)
