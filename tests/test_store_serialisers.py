"""The store's written-out serialisers answer what their schemas (the ones the API document
shows) answer for the same rows: field names, Shanghai times, the code only for the redeemer."""

import json

from sqlalchemy import select

from miniprogram_api.schemas.store import RedemptionSchema, RewardSchema, redemption_json, reward_json
from server.areas.models import Area
from server.core.extensions import db
from server.store import queries
from server.store.models import Reward
from tests.test_store import RICE, give_points


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def test_a_reward_row_serialises_as_the_reward_schema_dumps_the_reward(app, world):
    for overrides in ({}, {"description": None, "donor": None}):
        status, body = world.worker.post("/api/v1/rewards", {**RICE, "area_id": world.community.id, **overrides})
        assert status == 201, body
    with app.app_context():
        community = db.session.get(Area, world.community.id)
        rows, _ = queries.rewards_at(community, status="active", cursor=None, limit=10)
        rewards = {reward.id: reward for reward in db.session.scalars(select(Reward))}
        assert len(rows) == 2
        for row in rows:
            assert _json(reward_json(row)) == _json(RewardSchema().dump(rewards[row.id]))


def test_a_redemption_row_serialises_as_the_redemption_schema_dumps_it(app, world):
    _, reward = world.worker.post("/api/v1/rewards", {**RICE, "area_id": world.community.id})
    give_points(app, world.user_id("member"), 100)
    for _ in range(2):
        world.member.post(f"/api/v1/rewards/{reward['id']}/redeem")
    _, mine = world.member.get("/api/v1/me/redemptions")
    world.worker.post(f"/api/v1/redemptions/{mine['items'][0]['id']}/verify", {"code": mine["items"][0]["code"]})
    world.member.post(f"/api/v1/redemptions/{mine['items'][1]['id']}/cancel", {"reason": "不需要了"})
    with app.app_context():
        rows, _ = queries.my_redemptions(world.user_id("member"), status=None, cursor=None, limit=10)
        assert {row.status for row in rows} == {"collected", "cancelled"}
        for row in rows:
            shown = {
                **row._mapping,
                "reward": {"id": row.reward_id, "title": row.reward_title},
                "user": {"id": row.user_id, "nickname": row.user_nickname},
            }
            assert _json(redemption_json(row, row.user_id)) == _json(RedemptionSchema().dump(shown))
            without_code = {name: value for name, value in shown.items() if name != "code"}
            staff_view = redemption_json(row, world.user_id("worker"))
            assert "code" not in staff_view
            assert _json(staff_view) == _json(RedemptionSchema().dump(without_code))
