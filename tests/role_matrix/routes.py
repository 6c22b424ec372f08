"""For each covered operation: a function that makes what one cell needs (a fresh object where
the action changes state) and answers (path parameters, JSON body or None)."""

from datetime import timedelta

from server.accounts.models import User
from server.core import clock
from tests.fixtures.api import VALID_WISH
from tests.role_matrix.cast import BOUND_PHONE, PRIVATE, UNIT_PHONE, matter


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


# -- admin routes (DESIGN §2: admins manage the area tree, staff and rules of their subtree) ----


def _fresh_grid(cast, actor):
    return cast.factory.area("grid", cast.world.community.id)


def _new_area(cast, actor):
    return {}, {"name": f"新网格-{actor}", "level": "grid", "parent_id": cast.world.community.id}


def _area_change(cast, actor):
    return {"area_id": _fresh_grid(cast, actor)}, {"name": f"改名网格-{actor}"}


def _area_retire(cast, actor):
    return {"area_id": _fresh_grid(cast, actor)}, None


def _new_grant(cast, actor):
    person = cast.factory.user(home_grid_id=cast.world.grid.id)
    return {}, {"user_id": person, "role": "grid_worker", "area_id": cast.world.other_grid.id}


def _grant(cast, actor):
    from server.accounts.models import RoleGrant
    from server.core.extensions import db

    person = cast.factory.user(home_grid_id=cast.world.grid.id, grid_worker=cast.world.grid.id)
    with cast.app.app_context():
        grant_id = db.session.query(RoleGrant.id).filter_by(user_id=person).scalar()
    return {"grant_id": grant_id}, None


def _area_sheet(cast, actor):
    """A CSV of one new grid, for the caller's own district (the default node)."""
    import io

    sheet = f"街道,社区,网格\n新街道,新社区,新网格-{actor}\n".encode()
    return {"_multipart": {"file": (io.BytesIO(sheet), "areas.csv", "text/csv")}}, None


def _rules(body=None):
    def make(cast, actor):
        return {"area_id": cast.world.community.id}, body

    return make


def _console_credential(cast, actor):
    person = cast.factory.user(home_grid_id=cast.world.grid.id, grid_worker=cast.world.grid.id)
    return {"user_id": person}, {"username": f"staff-{person}", "password": "correct horse battery"}


# -- party membership --------------------------------------------------------------------


def _apply(cast, actor):
    return {}, {"name": "张三", "branch": "红旗社区党支部"}


def _application(cast, actor):
    from server.core.extensions import db
    from server.party.operations import apply

    person = cast.factory.user(home_grid_id=cast.world.grid.id)
    with cast.app.app_context():
        applicant = db.session.get(User, person)
        application = apply(applicant, name=f"{PRIVATE}李四", branch="红旗社区党支部")
        db.session.commit()
        return {"application_id": application.id}, {"decision": "approve"}


SETUP.update(
    {
        "POST /api/v1/admin/areas": _new_area,
        "PATCH /api/v1/admin/areas/{area_id}": _area_change,
        "POST /api/v1/admin/areas/{area_id}/retire": _area_retire,
        "POST /api/v1/admin/grants": _new_grant,
        "POST /api/v1/admin/areas/import": _area_sheet,
        "DELETE /api/v1/admin/grants/{grant_id}": _grant,
        "GET /api/v1/admin/areas/{area_id}/rules": _rules(),
        "PUT /api/v1/admin/areas/{area_id}/rules": _rules({"review_required": True}),
        "PUT /api/v1/admin/users/{user_id}/console-credential": _console_credential,
        "POST /api/v1/me/party-membership": _apply,
        "POST /api/v1/party-memberships/{application_id}/review": _application,
    }
)


# -- unit organisations, practical matters, service posts, pledges (the civic routes) ---------


def _new_unit(cast, actor):
    return {}, {
        "community_id": cast.world.community.id,
        "name": f"区供电分公司-{actor}",
        "kind": "company",
        "contact_name": "王经理",
        "contact_phone": UNIT_PHONE,
    }


def _unit(cast, actor):
    return {"unit_id": cast.unit()}, None


def _new_matter(cast, actor):
    return {}, {"community_id": cast.world.community.id, "title": "加装电梯", "description": "3号楼加装电梯。"}


def _matter(body=None):
    def make(cast, actor):
        return {"matter_id": matter(cast)}, body

    return make


def _followed_matter(cast, actor):
    matter_id = matter(cast)
    if actor != "anonymous":
        _call_as(cast, actor, "POST", f"/api/v1/practical-matters/{matter_id}/follow")
    return {"matter_id": matter_id}, None


def _new_post(cast, actor):
    return {}, {
        "community_id": cast.world.community.id,
        "kind": "sanitation",
        "title": "楼道保洁岗",
        "duties": "每周清扫一次楼道。",
        "capacity": 5,
    }


def _post(cast, actor):
    return {"post_id": cast.post()}, None


def _held_post(cast, actor):
    """The post the member holds (one per community): the one they took, else a new one."""
    from server.core.extensions import db
    from server.posts.models import PostHolder

    with cast.app.app_context():
        post_id = db.session.query(PostHolder.post_id).filter_by(user_id=cast.ids["member"]).scalar()
    if post_id is None:
        post_id = cast.post()
        _call_as(cast, "member", "POST", f"/api/v1/posts/{post_id}/holders")
    return {"post_id": post_id, "member_id": cast.ids["member"]}, None


def _pledge_of_member(body=None):
    def make(cast, actor):
        return {"pledge_id": cast.pledge("member")}, body

    return make


def _pledge_to_assess(cast, actor):
    member = cast.factory.user(home_grid_id=cast.world.grid.id, party_member=cast.world.grid.id)
    return {"pledge_id": cast.pledge_of(member)}, {"outcome": "kept", "note": "做到了"}


def _call_as(cast, actor, method, path):
    """Set-up through the API, as ``actor``; refused for those without the right, which is the
    cell's business, not the set-up's."""
    headers = {"Authorization": f"Bearer {cast.tokens[actor]}"}
    cast.app.test_client().open(path, method=method, headers=headers).close()


# -- photos ------------------------------------------------------------------------------


def _photo_file():
    import io

    from werkzeug.datastructures import FileStorage

    from tests.photos import image_bytes

    return FileStorage(io.BytesIO(image_bytes("JPEG")), "photo.jpg", content_type="image/jpeg")


def _new_upload(cast, actor):
    return {"_multipart": {"file": (_photo_file().stream, "photo.jpg", "image/jpeg")}}, None


def photo_of_claimed_wish(cast, actor):
    """A photo of the owner's on a claimed wish: its owner, claimer and staff see it."""
    from server.core.extensions import db
    from server.uploads.operations import store_upload

    with cast.app.test_request_context():
        upload_id = store_upload(cast.user("owner"), _photo_file()).id
        db.session.commit()
    cast.wish("claimed", photos=[upload_id])
    return {"upload_id": upload_id}, None


SETUP.update(
    {
        "POST /api/v1/uploads": _new_upload,
        "GET /api/v1/uploads/{upload_id}": photo_of_claimed_wish,
        "POST /api/v1/unit-organisations": _new_unit,
        "GET /api/v1/unit-organisations/{unit_id}": _unit,
        "POST /api/v1/practical-matters": _new_matter,
        "GET /api/v1/practical-matters/{matter_id}": _matter(),
        "POST /api/v1/practical-matters/{matter_id}/notes": _matter({"body": "已开工。"}),
        "POST /api/v1/practical-matters/{matter_id}/follow": _matter(),
        "DELETE /api/v1/practical-matters/{matter_id}/follow": _followed_matter,
        "POST /api/v1/posts": _new_post,
        "GET /api/v1/posts/shortage": lambda cast, actor: ({"_query": {"area_id": cast.world.community.id}}, None),
        "GET /api/v1/posts/{post_id}": _post,
        "POST /api/v1/posts/{post_id}/holders": _post,
        "DELETE /api/v1/posts/{post_id}/holders/{member_id}": _held_post,
        "POST /api/v1/pledges": lambda cast, actor: ({}, {"text": "每月为孤寡老人代购一次生活用品。"}),
        "GET /api/v1/pledges/{pledge_id}": _pledge_of_member(),
        "PATCH /api/v1/pledges/{pledge_id}": _pledge_of_member({"text": "每月两次为孤寡老人代购。"}),
        "POST /api/v1/pledges/{pledge_id}/assess": _pledge_to_assess,
        "POST /api/v1/notifications/read": lambda cast, actor: ({}, {"all": True}),
        "POST /api/v1/me/subscriptions": lambda cast, actor: ({}, {"template_ids": ["dev-tpl-wish-progress"]}),
        "PATCH /api/v1/me": lambda cast, actor: ({}, {"nickname": f"{actor}-改名"}),
        "POST /api/v1/auth/login": lambda cast, actor: ({}, {"code": "dev:login-cell"}),
        "POST /api/v1/me/phone": lambda cast, actor: ({}, {"code": f"phone:{BOUND_PHONE}"}),
        "POST /api/v1/auth/logout": lambda cast, actor: ({"_fresh_token": True}, None),
        "DELETE /api/v1/me": lambda cast, actor: ({"_fresh_token": True}, None),
    }
)
