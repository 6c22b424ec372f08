"""Reading a console form with the same marshmallow schemas that check the API's bodies, and
what a refused action looks like in a browser.

A form's fields arrive as text; ``submitted(schema)`` loads them (the CSRF field left out, empty
optional fields dropped) and raises ``Unprocessable`` with the failing fields, like the API. Any
``AppError`` raised while handling a console POST (a wrong state, a missing permission, a field
that fails) is rolled back and shown on the page the form was on as a flashed message, so the
grid worker stays where they were; a GET that fails renders the error page with its status.
"""

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from miniprogram_api.fields import Id
from miniprogram_api.schemas.common import PageQuery
from server.console.auth import CSRF_FIELD
from server.console.blueprint import blp
from server.core.errors import AppError, Unprocessable
from server.core.extensions import db


def submitted(schema: Schema, *, form=None) -> dict:
    """The request's form (or ``form``) loaded by ``schema``; empty fields count as not sent."""
    source = request.form if form is None else form
    raw = {key: value for key, value in source.items() if key != CSRF_FIELD and value != ""}
    try:
        return schema.load(raw)
    except ValidationError as exc:
        raise Unprocessable(details=exc.messages) from exc


class PlacePageQuery(PageQuery):
    """A console list's query string: the node whose list it is (the person's first by default)
    and the page after ``cursor`` (the API's paging; the console sets its own page size, so
    make it with ``exclude=("limit",)``: ``place_page()``)."""

    area_id = Id(load_default=None)


def place_page() -> dict:
    """The request's ``?area_id=&cursor=``, read by ``PlacePageQuery``."""
    return submitted(PlacePageQuery(exclude=("limit",)), form=request.args)


class PeopleSearchQuery(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=64))


class MemberSearchQuery(Schema):
    """The member search of a wish's assign form, read wherever the wish's page is drawn (the
    page's other parameters are not its business)."""

    class Meta:
        unknown = EXCLUDE

    member_q = fields.String(load_default="", validate=validate.Length(max=32))


def refusal_text(exc: AppError) -> str:
    """The message with the fields that failed, as a person reads it."""
    if not exc.details or exc.status != 422:
        return exc.message
    parts = []
    for field, messages in exc.details.items():
        text = "；".join(messages) if isinstance(messages, list) else str(messages)
        parts.append(f"{field}：{text}")
    return f"{exc.message}（{'，'.join(parts)}）"


def _same_console_page(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    if not parts.path.startswith(blp.url_prefix + "/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@blp.errorhandler(AppError)
def _refused(exc: AppError):
    db.session.rollback()
    back = _same_console_page(request.referrer) if request.method == "POST" else None
    if back is not None:
        flash(refusal_text(exc), "error")
        return redirect(back, code=303)
    return render_template("console/error.html", title="无法完成", message=refusal_text(exc)), exc.status
