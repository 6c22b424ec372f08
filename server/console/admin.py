"""The admin pages: the area tree with its import, the staff of the subtree with their grants
and console sign-ins, each community's rules; and every staff member's own password.

Each action is the API's operation (server/administration), so the console refuses what
``/api/v1/admin/...`` refuses: an action outside the admin's subtree raises Forbidden and is
flashed on the page it came from.
"""

from flask import flash, g, redirect, render_template, request, url_for

from miniprogram_api.schemas.admin import (
    REVIEW_CHOICES,
    WINDOW_UNITS,
    AreaChangeForm,
    AreaCreateForm,
    GrantCreateForm,
    RulesForm,
    rules_body,
    window_in_units,
)
from server.accounts import staff_passwords
from server.administration import operations
from server.administration import queries as admin_queries
from server.administration.sheets import MAX_SHEET_BYTES
from server.areas.models import LEVELS
from server.areas.operations import expected_child_level
from server.areas.rules import MAX_WINDOW_SECONDS, MIN_WINDOW_SECONDS, WINDOW_NAMES, setting, windows_of
from server.console import auth
from server.console.blueprint import blp
from server.console.forms import PeopleSearchQuery, submitted
from server.core.errors import Unprocessable
from server.core.extensions import db

LEVEL_NAMES = {"district": "区", "street": "街道", "community": "社区", "grid": "网格"}
ROLE_NAMES = {"grid_worker": "网格员", "admin": "管理员"}
WINDOW_LABELS = {
    "review_window_seconds": "审核时限",
    "unclaimed_escalation_seconds": "无人认领上报时限",
    "claim_reminder_seconds": "认领提醒时限",
    "claim_timeout_seconds": "认领超时时限",
    "confirm_window_seconds": "自动确认时限",
}
UNIT_NAMES = {"hours": "小时", "days": "天"}


def _back(endpoint: str, message: str, **values):
    flash(message, "success")
    return redirect(url_for(endpoint, **values), code=303)


# -- the area tree --------------------------------------------------------------------------


@blp.get("/admin/areas")
@auth.staff_required
def admin_areas():
    return _areas_page()


def _areas_page(sheet_errors: dict | None = None, status: int = 200):
    roots = admin_queries.subtree(g.user)
    flat = []

    def walk(nodes):
        for node in nodes:
            flat.append(node.area)
            walk(node.children)

    walk(roots)
    live = [area for area in flat if area.retired_at is None]
    return (
        render_template(
            "console/admin/areas.html",
            roots=roots,
            parents_of={level: [area for area in live if expected_child_level(area) == level] for level in LEVELS},
            child_level=expected_child_level,
            level_names=LEVEL_NAMES,
            districts=[area for area in live if area.level == "district"],
            sheet_errors=sheet_errors,
            max_sheet_kb=MAX_SHEET_BYTES // 1024,
        ),
        status,
    )


@blp.post("/admin/areas")
@auth.staff_required
def admin_area_create():
    area = operations.add_area(g.user, **submitted(AreaCreateForm()))
    db.session.commit()
    return _back("console.admin_areas", f"已新建{LEVEL_NAMES[area.level]}：{area.name}", _anchor=f"area-{area.id}")


@blp.post("/admin/areas/<id:area_id>/rename")
@auth.staff_required
def admin_area_rename(area_id):
    area = operations.change_area(g.user, area_id, **submitted(AreaChangeForm()))
    db.session.commit()
    return _back("console.admin_areas", f"已更名为：{area.name}", _anchor=f"area-{area.id}")


@blp.post("/admin/areas/<id:area_id>/move")
@auth.staff_required
def admin_area_move(area_id):
    area = operations.change_area(g.user, area_id, **submitted(AreaChangeForm()))
    db.session.commit()
    return _back("console.admin_areas", f"已移动：{area.name}", _anchor=f"area-{area.id}")


@blp.post("/admin/areas/<id:area_id>/retire")
@auth.staff_required
def admin_area_retire(area_id):
    area = operations.retire_area(g.user, area_id)
    db.session.commit()
    return _back("console.admin_areas", f"已撤销：{area.name}（及其下级）")


@blp.post("/admin/areas/import")
@auth.staff_required
def admin_area_import():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Unprocessable("请选择要导入的表格文件", details={"file": ["必填"]})
    parent_id = request.form.get("parent_id", type=int)
    try:
        counts = operations.import_sheet(g.user, upload.read(MAX_SHEET_BYTES + 1), parent_id)
    except Unprocessable as exc:
        if exc.code != "sheet_rows_invalid":
            raise
        db.session.rollback()
        return _areas_page(sheet_errors={"message": exc.message, "rows": exc.details["rows"]}, status=422)
    db.session.commit()
    made = "、".join(f"{LEVEL_NAMES[level]} {n} 个" for level, n in counts.created.items())
    return _back("console.admin_areas", f"导入完成：新建 {made}")


# -- a community's rules --------------------------------------------------------------------


@blp.get("/admin/areas/<id:area_id>/rules")
@auth.staff_required
def admin_rules(area_id):
    community = operations.community_rules(g.user, area_id)
    in_force = windows_of(community)
    windows = []
    for name in WINDOW_NAMES:
        amount, unit = window_in_units(getattr(community, name))
        windows.append(
            {
                "name": name,
                "label": WINDOW_LABELS[name],
                "amount": amount,
                "unit": unit,
                "default": window_in_units(setting(name)),
                "in_force": window_in_units(getattr(in_force, name)),
            }
        )
    review = next(key for key, value in REVIEW_CHOICES.items() if value == community.review_required)
    return render_template(
        "console/admin/rules.html",
        community=community,
        review=review,
        windows=windows,
        unit_names=UNIT_NAMES,
        units=list(WINDOW_UNITS),
        bounds=(MIN_WINDOW_SECONDS // 3600, MAX_WINDOW_SECONDS // 86400),
    )


@blp.post("/admin/areas/<id:area_id>/rules")
@auth.staff_required
def admin_rules_save(area_id):
    community = operations.set_community_rules(g.user, area_id, **rules_body(submitted(RulesForm())))
    db.session.commit()
    return _back("console.admin_rules", f"已保存{community.name}的规则", area_id=community.id)


# -- staff ----------------------------------------------------------------------------------


@blp.get("/admin/staff")
@auth.staff_required
def admin_staff():
    grants = admin_queries.staff_grants(g.user)
    query = submitted(PeopleSearchQuery(), form=request.args)["q"]
    return render_template(
        "console/admin/staff.html",
        grants=grants,
        usernames=admin_queries.console_usernames(grant.user_id for grant in grants),
        role_names=ROLE_NAMES,
        level_names=LEVEL_NAMES,
        grantable=_grantable_areas(),
        query=query,
        people=admin_queries.find_people(g.user, query),
        min_password=staff_passwords.MIN_PASSWORD_LENGTH,
    )


def _grantable_areas():
    areas = []

    def walk(nodes, depth):
        for node in nodes:
            if node.area.retired_at is None:
                areas.append((node.area, depth))
                walk(node.children, depth + 1)

    walk(admin_queries.subtree(g.user), 0)
    return areas


@blp.get("/admin/staff/people")
@auth.staff_required
def admin_staff_people():
    """The people search's results alone, for htmx to put in the grant form."""
    query = submitted(PeopleSearchQuery(), form=request.args)["q"]
    return render_template("console/admin/_people.html", people=admin_queries.find_people(g.user, query), query=query)


@blp.post("/admin/staff/grants")
@auth.staff_required
def admin_grant():
    grant = operations.grant_staff_role(g.user, **submitted(GrantCreateForm()))
    db.session.commit()
    return _back("console.admin_staff", f"已授予 {grant.user.nickname} {ROLE_NAMES[grant.role]}（{grant.area.name}）")


@blp.post("/admin/staff/grants/<id:grant_id>/revoke")
@auth.staff_required
def admin_revoke(grant_id):
    operations.revoke_grant(g.user, grant_id)
    db.session.commit()
    return _back("console.admin_staff", "已撤销授权")


@blp.post("/admin/staff/users/<id:user_id>/credential")
@auth.staff_required
def admin_credential(user_id):
    form = request.form
    credential = operations.set_console_credential(
        g.user, user_id=user_id, username=form.get("username", ""), password=form.get("password", "")
    )
    db.session.commit()
    return _back("console.admin_staff", f"已设置登录账号：{credential.username}（其已登录的工作台会话已失效）")


# -- one's own password ---------------------------------------------------------------------


@blp.get("/password")
@auth.staff_required
def password():
    return render_template("console/password.html", min_password=staff_passwords.MIN_PASSWORD_LENGTH)


@blp.post("/password")
@auth.staff_required
def password_change():
    form = request.form
    credential = staff_passwords.change_own_password(
        g.staff, form.get("old_password", ""), form.get("new_password", "")
    )
    db.session.commit()
    auth.start_session(credential)  # this browser stays signed in; every other session ended
    return _back("console.password", "密码已修改，其他设备上的登录已失效")
