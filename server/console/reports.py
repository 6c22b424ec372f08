"""The monthly report page and its downloads, and each activity's sign-up workbook.

Who may download what: a node's report for the staff whose grants cover it (its rows name each
wish, so the home community that opens a person's overview does not open its report:
server/stats/permissions.py), an activity's sign-ups for whoever may manage it.
"""

from flask import Response, g, render_template, request, stream_with_context, url_for
from marshmallow import Schema, fields
from sqlalchemy import select

from miniprogram_api.fields import Id
from server.activities import permissions as activity_permissions
from server.activities.models import Activity
from server.areas.models import Area
from server.areas.queries import subtree_condition
from server.console import auth
from server.console.blueprint import blp
from server.console.forms import submitted
from server.core.errors import Forbidden
from server.core.extensions import db
from server.reports import figures, monthly
from server.reports.csvfile import CSV_MIMETYPE, csv_lines
from server.reports.downloads import attachment
from server.reports.month import Month
from server.reports.sheets import XLSX_MIMETYPE
from server.reports.signups import signups_workbook
from server.stats.permissions import report_area, report_areas


class ReportQuery(Schema):
    area_id = Id(load_default=None)
    month = fields.String(load_default=None)


@blp.get("/reports")
@auth.staff_required
def reports():
    query = submitted(ReportQuery(), form=request.args)
    month = Month.parse(query["month"]) if query["month"] else Month.current()
    area = report_area(g.user, query["area_id"])
    links = {
        "workbook": url_for("console.report_workbook", area_id=area.id, month=month.key),
        "wishes": url_for("console.report_wishes_csv", area_id=area.id, month=month.key),
        "hours": url_for("console.report_hours_csv", area_id=area.id, month=month.key),
    }
    return render_template("console/reports.html", options=_area_options(g.user), area=area, month=month, links=links)


def _area_options(user) -> list[dict]:
    """Every node the person may read, in tree order, indented under the widest."""
    seen, options = set(), []
    for root in report_areas(user):
        depth0 = root.path.count("/")
        nodes = db.session.scalars(select(Area).where(subtree_condition(Area.path, root)).order_by(Area.path))
        for node in nodes:
            if node.id in seen:
                continue
            seen.add(node.id)
            indent = "\u3000" * (node.path.count("/") - depth0)
            label = f"{indent}{node.name}（{monthly.LEVEL_NAMES[node.level]}）"
            options.append({"id": node.id, "label": label + ("（已撤销）" if node.retired_at else "")})
    return options


def _report_scope(area_id: int, month: str) -> tuple[Area, Month]:
    return report_area(g.user, area_id), Month.parse(month)


@blp.get("/reports/<int:area_id>/<month>.xlsx")
@auth.staff_required
def report_workbook(area_id: int, month: str):
    area, period = _report_scope(area_id, month)
    return _download(
        monthly.monthly_workbook(area, period),
        XLSX_MIMETYPE,
        f"{area.name}{period.label}月度报表.xlsx",
        f"report-{area.id}-{period.key}.xlsx",
    )


@blp.get("/reports/<int:area_id>/<month>/wishes.csv")
@auth.staff_required
def report_wishes_csv(area_id: int, month: str):
    area, period = _report_scope(area_id, month)
    header = [column.header for column in monthly.WISH_COLUMNS]
    rows = (monthly.wish_values(row) for row in figures.wish_rows(area, period))
    return _download(
        stream_with_context(csv_lines(header, rows)),
        CSV_MIMETYPE,
        f"{area.name}{period.label}心愿清单.csv",
        f"wishes-{area.id}-{period.key}.csv",
    )


@blp.get("/reports/<int:area_id>/<month>/hours.csv")
@auth.staff_required
def report_hours_csv(area_id: int, month: str):
    area, period = _report_scope(area_id, month)
    header = [column.header for column in monthly.SERVICE_COLUMNS]
    rows = (monthly.service_values(row) for row in figures.service_rows(area, period))
    return _download(
        stream_with_context(csv_lines(header, rows)),
        CSV_MIMETYPE,
        f"{area.name}{period.label}志愿时长.csv",
        f"volunteer-hours-{area.id}-{period.key}.csv",
    )


@blp.get("/activities/<int:activity_id>/signups.xlsx")
@auth.staff_required
def activity_signups_workbook(activity_id: int):
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        raise activity_permissions.not_found(activity_id)
    if not activity_permissions.may_manage(g.user, activity):
        raise Forbidden("只有活动组织者或该区域的网格员、管理员可以导出报名名单")
    return _download(
        signups_workbook(activity),
        XLSX_MIMETYPE,
        f"{activity.title}报名签到名单.xlsx",
        f"activity-{activity.id}-signups.xlsx",
    )


def _download(body, mimetype: str, filename: str, ascii_fallback: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": attachment(filename, ascii_fallback)})
