"""Personal information at rest (issue 15): phone numbers, addresses and real names are held
encrypted under a key the value names, tied to its column; a key can be rotated with
`flask pii reencrypt`, rows written before encryption still read, and a person is found by
number through a keyed hash. What the API answers does not change."""

import base64
import hashlib
import hmac
import json

import pytest
from sqlalchemy import text

from server.core import pii
from server.core.extensions import db
from server.settings import DEV_PII_HASH_KEY, DEV_PII_KEY, ConfigError
from server.wishes.models import Wish
from tests.activities import delete
from tests.conftest import VALID_WISH, post_wish, settings_from
from tests.console import give_password, sign_in
from tests.test_settings_and_demo import PRODUCTION
from tests.test_wish_lifecycle import detail

PHONE = VALID_WISH["contact_phone"]
ADDRESS = VALID_WISH["address"]
BOUND = "13912345678"
NEW_KEY = "k2027"
PEOPLE = "/console/admin/staff/people"
UNIT = {
    "name": "区委办党支部",
    "kind": "office",
    "contact_name": "孙主任",
    "contact_phone": "13900001111",
}


def raw(app, sql: str, **params):
    """The row as the database holds it, past the column types."""
    with app.app_context():
        return db.session.execute(text(sql), params).one()


def write_raw(app, sql: str, **params) -> None:
    with app.app_context():
        db.session.execute(text(sql), params)
        db.session.commit()


def reencrypt(app, *options) -> str:
    result = app.test_cli_runner().invoke(args=["pii", "reencrypt", *options])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def people_search(app, world):
    """The console's people search, as the district admin: the query -> whether ``openid``'s
    account is found."""
    give_password(app, world.user_id("district_admin"), "district", "district-admin-pass")
    console = app.test_client()
    assert sign_in(console, "district", "district-admin-pass").status_code == 303

    def finds(query: str, name: str) -> bool:
        page = console.get(PEOPLE, query_string={"q": query}).get_data(as_text=True)
        return f'value="{world.user_id(name)}"' in page

    return finds


@pytest.fixture
def held(world):
    """One value of each encrypted column, written through the API."""
    wish = post_wish(world.resident)
    status, _ = world.resident.post("/api/v1/me/phone", {"code": f"phone:{BOUND}"})
    assert status == 200
    status, application = world.neighbour.post(
        "/api/v1/me/party-membership", {"name": "李建国", "branch": "红旗社区第一党支部"}
    )
    assert status == 201, application
    status, unit = world.worker.post("/api/v1/unit-organisations", {"community_id": world.community.id, **UNIT})
    assert status == 201, unit
    return {"wish": wish, "application": application, "unit": unit}


def stored_values(app, world, held) -> dict[str, str]:
    wish = raw(app, "SELECT address, contact_phone FROM wishes WHERE id = :id", id=held["wish"]["id"])
    (phone,) = raw(app, "SELECT phone_stored FROM users WHERE id = :id", id=world.user_id("resident"))
    (name,) = raw(app, "SELECT name FROM membership_applications WHERE id = :id", id=held["application"]["id"])
    unit = raw(app, "SELECT contact_name, contact_phone FROM unit_organisations WHERE id = :id", id=held["unit"]["id"])
    return {
        "wishes.address": wish.address,
        "wishes.contact_phone": wish.contact_phone,
        "users.phone_stored": phone,
        "membership_applications.name": name,
        "unit_organisations.contact_name": unit.contact_name,
        "unit_organisations.contact_phone": unit.contact_phone,
    }


def rotate_to_a_new_key(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "PII_KEYS", {**app.config["PII_KEYS"], NEW_KEY: pii.new_key()})
    monkeypatch.setitem(app.config, "PII_KEY_ID", NEW_KEY)


def test_every_personal_column_holds_ciphertext_naming_its_key_and_the_api_answers_the_plain_value(app, world, held):
    plain = {ADDRESS, PHONE, BOUND, "李建国", UNIT["contact_name"], UNIT["contact_phone"]}

    for column, value in stored_values(app, world, held).items():
        assert value.startswith("pii1:dev:"), column
        assert not any(part in value for part in plain), column

    shown = detail(world.resident, held["wish"]["id"])
    assert (shown["contact_phone"], shown["address"]) == (PHONE, ADDRESS)
    assert world.resident.get("/api/v1/me")[1]["phone"] == "139****5678"
    assert world.neighbour.get("/api/v1/me/party-membership")[1]["history"][0]["name"] == "李建国"
    unit = world.worker.get(f"/api/v1/unit-organisations/{held['unit']['id']}")[1]
    assert (unit["contact_name"], unit["contact_phone"]) == (UNIT["contact_name"], UNIT["contact_phone"])


def test_the_same_number_is_stored_differently_each_time(app, world):
    first, second = post_wish(world.resident), post_wish(world.resident)
    stored = [raw(app, "SELECT contact_phone FROM wishes WHERE id = :id", id=w["id"])[0] for w in (first, second)]
    assert stored[0] != stored[1]


def test_a_value_copied_into_another_column_is_refused_not_shown(app, world, held):
    wish_id = held["wish"]["id"]
    write_raw(app, "UPDATE wishes SET address = contact_phone WHERE id = :id", id=wish_id)

    status, body = world.resident.get(f"/api/v1/wishes/{wish_id}")

    assert status == 500
    assert body["error"]["code"] == "internal_error"
    assert "pii1" not in str(body) and PHONE not in str(body)


def test_a_tampered_value_is_refused_loudly(app, world, held):
    wish_id = held["wish"]["id"]
    (stored,) = raw(app, "SELECT address FROM wishes WHERE id = :id", id=wish_id)
    prefix, body = stored.rsplit(":", 1)
    sealed = bytearray(base64.urlsafe_b64decode(body))
    sealed[-1] ^= 1  # one bit of the authentication tag
    flipped = f"{prefix}:{base64.urlsafe_b64encode(bytes(sealed)).decode()}"
    write_raw(app, "UPDATE wishes SET address = :value WHERE id = :id", value=flipped, id=wish_id)

    with app.app_context(), pytest.raises(pii.UnreadableValue, match=r"wishes\.address"):
        db.session.get(Wish, wish_id)
    assert world.resident.get(f"/api/v1/wishes/{wish_id}")[0] == 500


def test_a_value_under_a_key_no_longer_configured_is_refused(app, world, held, monkeypatch):
    monkeypatch.setitem(app.config, "PII_KEYS", {NEW_KEY: pii.new_key()})
    monkeypatch.setitem(app.config, "PII_KEY_ID", NEW_KEY)

    assert world.resident.get(f"/api/v1/wishes/{held['wish']['id']}")[0] == 500


def test_after_rotation_old_values_read_then_reencrypt_moves_them_all_and_the_old_key_can_go(
    app, world, held, monkeypatch
):
    rotate_to_a_new_key(app, monkeypatch)
    wish_id = held["wish"]["id"]
    assert detail(world.resident, wish_id)["address"] == ADDRESS, "read with the old key, still configured"
    newer = post_wish(world.resident, address="新街道8号")
    assert raw(app, "SELECT address FROM wishes WHERE id = :id", id=newer["id"])[0].startswith(f"pii1:{NEW_KEY}:")

    output = reencrypt(app, "--batch-size", "1")

    assert "wishes.address: 1 rewritten" in output  # the newer wish was already under the new key
    assert "users.phone_stored: 1 rewritten" in output
    assert "unit_organisations.contact_name: 1 rewritten" in output
    for column, value in stored_values(app, world, held).items():
        assert value.startswith(f"pii1:{NEW_KEY}:"), column
    monkeypatch.setitem(app.config, "PII_KEYS", {NEW_KEY: app.config["PII_KEYS"][NEW_KEY]})
    shown = detail(world.resident, wish_id)
    assert (shown["contact_phone"], shown["address"]) == (PHONE, ADDRESS)
    assert world.neighbour.get("/api/v1/me/party-membership")[1]["history"][0]["name"] == "李建国"
    assert "wishes.address: 0 rewritten" in reencrypt(app), "a second run has nothing to do"


def test_rows_written_before_encryption_read_as_they_are_and_the_command_encrypts_them(app, world, people_search):
    wish = post_wish(world.resident)
    neighbour = world.user_id("neighbour")
    write_raw(
        app, "UPDATE wishes SET address = '旧楼3单元', contact_phone = '13800001234' WHERE id = :id", id=wish["id"]
    )
    write_raw(
        app, "UPDATE users SET phone_stored = :phone, phone_hash = NULL WHERE id = :id", phone=BOUND, id=neighbour
    )
    assert detail(world.resident, wish["id"])["address"] == "旧楼3单元"
    assert world.neighbour.get("/api/v1/me")[1]["phone"] == "139****5678"

    output = reencrypt(app)

    for column in ("wishes.address", "wishes.contact_phone", "users.phone_stored", "users.phone_hash"):
        assert f"{column}: 1 rewritten" in output, output
    address, phone = raw(app, "SELECT address, contact_phone FROM wishes WHERE id = :id", id=wish["id"])
    assert address.startswith("pii1:dev:") and phone.startswith("pii1:dev:")
    assert raw(app, "SELECT phone_stored FROM users WHERE id = :id", id=neighbour)[0].startswith("pii1:dev:")
    shown = detail(world.resident, wish["id"])
    assert (shown["contact_phone"], shown["address"]) == ("13800001234", "旧楼3单元")
    assert people_search(BOUND, "neighbour"), "found by the hash the command filled in"


def test_the_people_search_finds_a_person_by_their_whole_number_through_its_keyed_hash(app, world, people_search):
    world.neighbour.post("/api/v1/me/phone", {"code": f"phone:{BOUND}"})
    (stored_hash,) = raw(app, "SELECT phone_hash FROM users WHERE id = :id", id=world.user_id("neighbour"))
    key = app.config["PII_HASH_KEY"].encode()

    assert stored_hash == hmac.new(key, BOUND.encode(), hashlib.sha256).hexdigest()
    assert people_search(BOUND, "neighbour")
    assert not people_search(BOUND[:-1], "neighbour"), "a number matches whole"
    assert not people_search(BOUND, "resident")


def test_rehash_recomputes_every_number_hash_after_the_hash_key_changed(app, world, people_search, monkeypatch):
    world.neighbour.post("/api/v1/me/phone", {"code": f"phone:{BOUND}"})
    monkeypatch.setitem(app.config, "PII_HASH_KEY", "a-new-hash-key-for-the-lookups")
    assert not people_search(BOUND, "neighbour"), "the stored hash was made with the old key"

    assert "users.phone_hash: 1 rewritten" in reencrypt(app, "--rehash")

    assert people_search(BOUND, "neighbour")


def test_erasing_a_person_leaves_no_number_or_hash(app, world):
    world.neighbour.post("/api/v1/me/phone", {"code": f"phone:{BOUND}"})
    assert delete(world.neighbour, "/api/v1/me")[0] == 204
    assert raw(app, "SELECT phone_stored, phone_hash FROM users WHERE id = :id", id=world.user_id("neighbour")) == (
        None,
        None,
    )


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("FLASK_PII_KEYS", json.dumps({"2026a": DEV_PII_KEY}), "PII_KEYS holds the development key"),
        ("FLASK_PII_HASH_KEY", json.dumps(DEV_PII_HASH_KEY), "PII_HASH_KEY is the development default"),
        ("FLASK_PII_KEYS", "{}", "PII_KEY_ID"),
        ("FLASK_PII_KEY_ID", '"2025z"', "PII_KEY_ID"),
    ],
)
def test_production_refuses_the_development_keys_and_missing_keys(variable, value, named):
    with pytest.raises(ConfigError, match=named):
        settings_from("production", **{**PRODUCTION, variable: value})


def test_a_key_that_is_not_32_bytes_is_refused_without_printing_it():
    with pytest.raises(ConfigError, match="PII_KEYS") as refused:
        settings_from(FLASK_PII_KEYS='{"dev": "c2hvcnQta2V5"}')
    assert "c2hvcnQta2V5" not in str(refused.value)
