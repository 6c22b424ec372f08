"""A wish's page in the console: its details, photos, timeline, the contact unmasked on
request (each view recorded), and the actions the lifecycle allows this person in this state.

The buttons are ``permissions.allowed_actions``, the table the operations check too, so the
page never offers what the operation (and the API) would refuse; each action POSTs to that
operation through the API's own body schema and comes back here with a flash."""

from flask import flash, g, redirect, render_template, request, send_file, url_for
from marshmallow import Schema, fields, validate

from miniprogram_api.fields import Id
from miniprogram_api.schemas.wishes import AssignSchema, CloseSchema, ReasonSchema, ResolveSchema
from server.console import auth
from server.console.blueprint import blp
from server.console.forms import MemberSearchQuery, submitted
from server.console.nav import is_admin
from server.core import clock
from server.core.extensions import db
from server.core.privacy import mask_phone
from server.uploads import operations as uploads
from server.wishes import contacts, deadlines, operations, permissions, photos
from server.wishes import queries as wish_queries
from server.wishes.models import CATEGORIES, CONTACT_REASONS, VIEW_REASONS, is_escalated
from server.wishes.notifications import RESOLUTION_NAMES, STATUS_NAMES
from server.wishes.privacy import mask_address

MEMBER_CHOICES = 20

ACTION_NAMES = {
    "approve": "通过",
    "reject": "驳回",
    "assign": "指派",
    "release": "释放",
    "resolve": "处理异议",
    "close": "关闭",
}
OUTCOME_NAMES = {"confirmed": "认定已完成", "open": "退回心愿池重新认领"}
EVENT_NAMES = {
    "post": "发布",
    "approve": "审核通过",
    "reject": "审核驳回",
    "cancel": "撤销",
    "claim": "认领",
    "assign": "指派",
    "release": "释放",
    "fulfil": "提交完成",
    "confirm": "确认完成",
    "dispute": "提出异议",
    "resolve": "处理异议",
    "close": "关闭",
    "return_to_review": "退回审核",
    "review_overdue": "审核超时提醒",
    "escalate": "上报网格员",
    "claim_reminder": "提醒认领人",
}


class AssignForm(AssignSchema):
    """The API's assign body as a form sends it: the id arrives as text."""

    party_member_id = Id(required=True)


class ContactViewSchema(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(list(CONTACT_REASONS)))


# Each action of permissions.STAFF_ACTIONS: the API's body schema (the review's decision is the
# button), the operation's call, what the flash says.
ACTIONS = {
    "approve": (Schema, lambda wish, body: operations.review(wish, g.user, decision="approve"), "已通过审核"),
    "reject": (
        ReasonSchema,
        lambda wish, body: operations.review(wish, g.user, decision="reject", **body),
        "已驳回",
    ),
    "assign": (AssignForm, lambda wish, body: operations.assign(wish, g.user, **body), "已指派"),
    "release": (ReasonSchema, lambda wish, body: operations.release(wish, g.user, **body), "已释放回心愿池"),
    "resolve": (ResolveSchema, lambda wish, body: operations.resolve(wish, g.user, **body), "异议已处理"),
    "close": (CloseSchema, lambda wish, body: operations.close(wish, g.user, **body), "工单已关闭"),
}


@blp.get("/wishes/<id:wish_id>")
@auth.staff_required
def wish(wish_id: int):
    return _wish_page(wish_id)


@blp.post("/wishes/<id:wish_id>/contact")
@auth.staff_required
def reveal_contact(wish_id: int):
    body = submitted(ContactViewSchema())
    contact = contacts.reveal(g.user, operations.get_wish_to_act_on(g.user, wish_id), **body)
    db.session.commit()
    return _wish_page(wish_id, contact=contact)


@blp.post("/wishes/<id:wish_id>/<any(approve, reject, assign, release, resolve, close):action>")
@auth.staff_required
def act(wish_id: int, action: str):
    schema, run, done = ACTIONS[action]
    back = request.form.get("back")
    form = {name: value for name, value in request.form.items() if name != "back"}
    body = submitted(schema(), form=form)
    run(operations.get_wish_to_act_on(g.user, wish_id), body)
    db.session.commit()
    flash(done, "success")
    if back == "review":
        return redirect(url_for("console.review_queue"), code=303)
    return redirect(url_for("console.wish", wish_id=wish_id), code=303)


@blp.get("/wishes/<id:wish_id>/members")
@auth.staff_required
def member_choices(wish_id: int):
    """The members to assign the wish to, as the select's options (htmx swaps them in)."""
    row, _, _ = wish_queries.visible_wish(g.user, wish_id)
    return render_template("console/_member_options.html", members=_members(row, _member_query()))


@blp.get("/photos/<string:upload_id>")
@auth.staff_required
def photo(upload_id: str):
    """A wish's photo under the API's rules (server/wishes/photos.py), for the signed-in staff."""
    upload = photos.visible_upload(g.user, upload_id)
    response = send_file(uploads.open_upload(upload), mimetype=upload.mime, etag=upload.id)
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response


def _member_query() -> str:
    return submitted(MemberSearchQuery(), form=request.args)["member_q"]


def _members(row, member_q: str) -> list:
    nickname = member_q.strip() or None
    return wish_queries.assignable_members(g.user, nickname=nickname, exclude_id=row.owner_id, limit=MEMBER_CHOICES)


def _wish_page(wish_id: int, *, contact: dict | None = None):
    row, events, involved = wish_queries.visible_wish(g.user, wish_id)
    allowed = permissions.allowed_actions(g.user, row)
    now = clock.now()
    deadline = deadlines.next_deadline(row)
    member_q = _member_query()
    return render_template(
        "console/wish.html",
        wish=row,
        events=events,
        involved=involved,
        status=STATUS_NAMES[row.status],
        category=CATEGORIES[row.category],
        escalated=is_escalated(row),
        deadline=deadline,
        overdue=deadline is not None and deadline.passed(now),
        contact=contact,
        masked={"phone": mask_phone(row.contact_phone), "address": mask_address(row.address)},
        contact_reasons=CONTACT_REASONS,
        view_reasons=VIEW_REASONS,
        contact_views=contacts.views_of(row.id) if is_admin(g.user) else None,
        allowed=allowed,
        action_names=ACTION_NAMES,
        members=_members(row, member_q) if "assign" in allowed else [],
        member_q=member_q,
        close_resolutions=sorted(permissions.CLOSE_RESOLUTIONS.get(row.status, ())),
        resolution_names=RESOLUTION_NAMES,
        outcome_names=OUTCOME_NAMES,
        event_names=EVENT_NAMES,
        status_names=STATUS_NAMES,
    )
