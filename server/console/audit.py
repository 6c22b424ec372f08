"""Who looked at whose contact: every recorded view of a wish's unmasked phone and address in
the admin's subtree, newest first (issue 15, PIPL art. 51: access to personal information is
recorded and can be checked). The console's own views name the reason the staff member gave;
the mini-program's name the viewer's part in the wish."""

from flask import g, render_template, request, url_for
from marshmallow import Schema, fields, validate

from server.console import auth
from server.console.blueprint import blp
from server.console.forms import submitted
from server.console.nav import is_admin
from server.core.dbtypes import MAX_ID
from server.core.errors import Forbidden
from server.core.privacy import mask_name
from server.wishes import contacts
from server.wishes.models import VIEW_REASONS

PAGE_ROWS = 50


class ContactViewsQuery(Schema):
    before = fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_ID))


@blp.get("/admin/contact-views")
@auth.staff_required
def admin_contact_views():
    if not is_admin(g.user):
        raise Forbidden("只有管理员可以查看联系方式查看记录")
    args = submitted(ContactViewsQuery(), form=request.args)
    administered = [grant.area for grant in g.user.grants_of("admin")]
    rows, before = contacts.views_under(administered, before=args.get("before"), limit=PAGE_ROWS)
    return render_template(
        "console/admin/contact_views.html",
        rows=rows,
        reasons=VIEW_REASONS,
        mask_name=mask_name,
        more=url_for("console.admin_contact_views", before=before) if before else None,
    )
