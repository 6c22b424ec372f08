"""For each covered operation: a function that makes what one cell needs (a fresh object where
the action changes state) and answers (path parameters, JSON body or None)."""

from datetime import timedelta

from server.core import clock
from tests.fixtures.api import VALID_WISH


def _none(cast, actor):
    return {}, None


def _wish(status, body=None):
    def make(cast, actor):
        return {"wish_id": cast.wish(status)}, body

    return make


def _assign(cast, actor):
    return {"wish_id": cast.wish("open")}, {"party_member_id": cast.ids["member"]}


def _new_activity(cast, actor):
    starts_at = clock.now() + timedelta(days=2)
    return {}, {
        "title": "清理楼道杂物",
        "description": "和居民一起清理3号楼楼道堆放的杂物，请带好手套。",
        "area_id": cast.world.grid.id,
        "place": "红旗社区3号楼",
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(hours=2)).isoformat(),
        "capacity": 3,
        "points_per_hour": 2,
    }


def _activity(cast, actor):
    return {"activity_id": cast.activity()["id"]}, None


def _withdraw_signup(cast, actor):
    # The member signed up; the cell asks whether anyone else may take their place away.
    return {"activity_id": cast.activity(signed_up=("member",))["id"]}, None


def _check_in(cast, actor):
    activity = cast.running_activity(signed_up=("member",))
    return {"activity_id": activity["id"]}, {"code": activity["code"]}


def _complete(cast, actor):
    return {"activity_id": cast.running_activity(signed_up=("member",))["id"]}, {}


def _new_reward(cast, actor):
    return {}, {"title": "大米一袋", "area_id": cast.world.community.id, "price_points": 30, "stock": 2}


def _reward(body=None):
    def make(cast, actor):
        return {"reward_id": cast.reward()}, body

    return make


def _redeem(cast, actor):
    cast.give_points(actor)
    return {"reward_id": cast.reward()}, None


def _verify(cast, actor):
    redemption = cast.redemption()
    return {"redemption_id": redemption["id"]}, {"code": redemption["code"]}


def _cancel_redemption(cast, actor):
    return {"redemption_id": cast.redemption()["id"]}, {}


def _new_announcement(cast, actor):
    return {}, {"title": "停水通知", "body": "周六上午停水。", "area_id": cast.world.grid.id}


def _announcement(cast, actor):
    return {"announcement_id": cast.announcement()}, None


SETUP = {
    # The poster's own contact details, not the ones every other cell scans for.
    "POST /api/v1/wishes": lambda cast, actor: (
        {},
        {**VALID_WISH, "address": "解放路8号", "contact_phone": "13900001111"},
    ),
    "GET /api/v1/wishes/{wish_id}": _wish("claimed"),
    "POST /api/v1/wishes/{wish_id}/review": _wish("pending_review", {"decision": "approve"}),
    "POST /api/v1/wishes/{wish_id}/cancel": _wish("open"),
    "POST /api/v1/wishes/{wish_id}/claim": _wish("open"),
    "POST /api/v1/wishes/{wish_id}/assign": _assign,
    "POST /api/v1/wishes/{wish_id}/release": _wish("claimed"),
    "POST /api/v1/wishes/{wish_id}/fulfil": _wish("claimed", {"note": "已送到"}),
    "POST /api/v1/wishes/{wish_id}/confirm": _wish("fulfilled", {"stars": 5}),
    "POST /api/v1/wishes/{wish_id}/dispute": _wish("fulfilled", {"reason": "没有送到"}),
    "POST /api/v1/wishes/{wish_id}/resolve": _wish("disputed", {"outcome": "confirmed"}),
    "POST /api/v1/wishes/{wish_id}/close": _wish("confirmed", {"resolution": "completed"}),
    "POST /api/v1/activities": _new_activity,
    "GET /api/v1/activities/{activity_id}": _activity,
    "POST /api/v1/activities/{activity_id}/signup": _activity,
    "DELETE /api/v1/activities/{activity_id}/signup": _withdraw_signup,
    "POST /api/v1/activities/{activity_id}/checkin": _check_in,
    "POST /api/v1/activities/{activity_id}/complete": _complete,
    "POST /api/v1/rewards": _new_reward,
    "GET /api/v1/rewards/{reward_id}": _reward(),
    "PATCH /api/v1/rewards/{reward_id}": _reward({"price_points": 8}),
    "POST /api/v1/rewards/{reward_id}/restock": _reward({"quantity": 3}),
    "POST /api/v1/rewards/{reward_id}/withdraw": _reward(),
    "POST /api/v1/rewards/{reward_id}/redeem": _redeem,
    "POST /api/v1/redemptions/{redemption_id}/verify": _verify,
    "POST /api/v1/redemptions/{redemption_id}/cancel": _cancel_redemption,
    "POST /api/v1/announcements": _new_announcement,
    "GET /api/v1/announcements/{announcement_id}": _announcement,
    "DELETE /api/v1/announcements/{announcement_id}": _announcement,
    "POST /api/v1/announcements/{announcement_id}/read": _announcement,
}


def setup_for(operation: str):
    """Operations without path parameters or body need nothing made."""
    return SETUP.get(operation, _none)
