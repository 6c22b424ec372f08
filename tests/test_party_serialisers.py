"""The written-out answers of party identity, units and matters carry exactly the fields their
schemas (the ones the API document shows) declare, nested ones included."""

from marshmallow import Schema, fields

from miniprogram_api.schemas.party import ApplicationListSchema, ApplicationSchema, MyMembershipSchema
from miniprogram_api.schemas.units import (
    MatterDetailSchema,
    MatterListSchema,
    MatterNoteSchema,
    UnitDetailSchema,
    UnitFiguresListSchema,
    UnitListSchema,
)
from tests.fixtures.api import register_unit


def _assert_shaped(answer, schema: Schema, where="answer"):
    assert set(answer) == set(schema.fields), where
    for name, field in schema.fields.items():
        value = answer[name]
        if value is None:
            assert field.allow_none, f"{where}.{name}"
            continue
        if isinstance(field, fields.Nested):
            _assert_shaped(value, field.schema, f"{where}.{name}")
        elif isinstance(field, fields.List) and isinstance(field.inner, fields.Nested):
            for item in value:
                _assert_shaped(item, field.inner.schema, f"{where}.{name}[]")


def test_every_answer_has_the_fields_of_its_schema(world):
    unit = register_unit(world.worker, world.community.id, secretary_id=world.user_id("member"))
    status, application = world.resident.post(
        "/api/v1/me/party-membership", {"name": "李建国", "branch": "支部", "work_unit_org_id": unit["id"]}
    )
    assert status == 201
    status, decided = world.worker.post(
        f"/api/v1/party-memberships/{application['id']}/review", {"decision": "reject", "reason": "不符"}
    )
    assert status == 200
    status, matter = world.worker.post(
        "/api/v1/practical-matters",
        {"community_id": world.community.id, "title": "加装电梯", "description": "3号楼", "owner_unit_id": unit["id"]},
    )
    assert status == 201
    status, note = world.worker.post(
        f"/api/v1/practical-matters/{matter['id']}/notes", {"body": "开工", "status": "in_progress"}
    )
    assert status == 201

    answers = [
        (unit, UnitDetailSchema()),
        (application, ApplicationSchema()),
        (decided, ApplicationSchema()),
        (world.resident.get("/api/v1/me/party-membership")[1], MyMembershipSchema()),
        (world.worker.get("/api/v1/party-memberships")[1], ApplicationListSchema()),
        (world.resident.get("/api/v1/unit-organisations")[1], UnitListSchema()),
        (world.resident.get(f"/api/v1/unit-organisations/{unit['id']}")[1], UnitDetailSchema()),
        (world.worker.get("/api/v1/unit-organisations/figures")[1], UnitFiguresListSchema()),
        (note, MatterNoteSchema()),
        (world.resident.get("/api/v1/practical-matters")[1], MatterListSchema()),
        (world.resident.get(f"/api/v1/practical-matters/{matter['id']}")[1], MatterDetailSchema()),
    ]
    for answer, schema in answers:
        _assert_shaped(answer, schema, type(schema).__name__)
