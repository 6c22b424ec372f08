"""The dashboard (数据看板) of an area node: counts by status and the three rates over a period,
the trend by week and month, the children and unit organisations ranked, the overdue tickets
and the volunteer hours. Who may open which node is the overview API's rule
(server/stats/permissions.py); every number is also in the page's tables, the charts
(static/dashboard.js, ECharts) draw the same figures from the JSON embedded in the page."""

from flask import g, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from miniprogram_api.schemas.stats import AreaDatesQuery
from server.areas.models import Area, path_ids
from server.console import auth
from server.console.blueprint import blp
from server.core import clock
from server.core.errors import Unprocessable
from server.core.extensions import db
from server.rankings.queries import leaderboard
from server.stats import trends
from server.stats.overdue import overdue_tickets
from server.stats.permissions import overview_area, readable_areas
from server.stats.rankings_by_area import children_figures
from server.stats.volunteering import volunteer_service
from server.wishes.models import STATUSES
from server.wishes.notifications import STATUS_NAMES
from server.wishes.queries import overview

OVERDUE_ROWS = 20
UNIT_ROWS = 10
LEVEL_NAMES = {"district": "区", "street": "街道", "community": "社区", "grid": "网格"}
RATE_NAMES = {"response_rate": "响应率", "resolution_rate": "解决率", "satisfaction_rate": "满意率"}
# The query's fields, by the names people read them under.
FIELDS = {"area_id": "区域", "from": "开始日期", "to": "结束日期"}


@blp.get("/dashboard")
@auth.staff_required
def dashboard():
    args = _period_args()
    readable = readable_areas(g.user)
    area = overview_area(g.user, args["area_id"])
    date_from, date_to = args["date_from"], args["date_to"]
    figures = overview(area, date_from, date_to)
    children = children_figures(area, date_from, date_to)
    overdue, overdue_count = overdue_tickets(area, OVERDUE_ROWS)
    units, _ = leaderboard(area, period="month", by="unit", limit=UNIT_ROWS, viewer_id=g.user.id)
    weeks = trends.trend(area, trends.week_starts(date_to), date_to)
    months = trends.trend(area, trends.month_starts(date_to), date_to)
    period = {"from": date_from.isoformat(), "to": date_to.isoformat()}
    for row in children:
        row["url"] = url_for("console.dashboard", area_id=row["area"].id, **period)
    return render_template(
        "console/dashboard.html",
        area=area,
        crumbs=_breadcrumb(area, readable, period),
        scopes=[node for node in _widest(readable) if node.id != area.id],
        period=period,
        figures=figures,
        statuses=[(status, STATUS_NAMES[status]) for status in STATUSES],
        rate_names=RATE_NAMES,
        children=children,
        child_level=_child_level(area),
        units=units,
        overdue=[{**row._mapping, "status_name": STATUS_NAMES[row.status]} for row in overdue],
        overdue_count=overdue_count,
        volunteering=volunteer_service(area, date_from, date_to),
        weeks=weeks,
        months=months,
        charts=_chart_data(figures, children, weeks, months),
    )


def _period_args() -> dict:
    """``?area_id=&from=&to=`` read by the overview API's schema; the period defaults to this
    Shanghai month so far."""
    raw = {key: request.args[key] for key in FIELDS if request.args.get(key, "") != ""}
    try:
        args = AreaDatesQuery().load(raw)
    except ValidationError as exc:
        raise Unprocessable("查询条件有误", details=_readable(exc.messages)) from exc
    today = clock.shanghai_today()
    if args["date_to"] is None:
        args["date_to"] = max(today, args["date_from"]) if args["date_from"] else today
    if args["date_from"] is None:
        args["date_from"] = min(today.replace(day=1), args["date_to"].replace(day=1))
    return args


def _readable(messages: dict) -> dict:
    return {FIELDS[field]: texts for field, texts in messages.items()}


def _breadcrumb(area: Area, readable: list[Area], period: dict) -> list[dict]:
    """The nodes from the root down to ``area``, a link on those the person may open."""
    ids = path_ids(area.path)
    nodes = {node.id: node for node in db.session.scalars(select(Area).where(Area.id.in_(ids)))}
    crumbs = []
    for node_id in ids:
        node = nodes[node_id]
        may_open = node.id != area.id and any(scope.covers(node.path) for scope in readable)
        url = url_for("console.dashboard", area_id=node.id, **period) if may_open else None
        crumbs.append({"name": node.name, "url": url})
    return crumbs


def _widest(readable: list[Area]) -> list[Area]:
    """The nodes the person may open that lie under no other of them (their own scopes)."""
    return [node for node in readable if not any(other.id != node.id and other.covers(node.path) for other in readable)]


def _child_level(area: Area) -> str | None:
    below = {"district": "street", "street": "community", "community": "grid"}.get(area.level)
    return LEVEL_NAMES[below] if below else None


def _chart_data(figures: dict, children: list[dict], weeks: list[dict], months: list[dict]) -> dict:
    """What static/dashboard.js draws: only figures the tables show too."""

    def periods(rows, pattern):
        return {
            "labels": [row["start"].strftime(pattern) for row in rows],
            "posted": [row["posted"] for row in rows],
            "confirmed": [row["confirmed"] for row in rows],
            "response": [_percent(row["response_rate"]) for row in rows],
        }

    return {
        "statuses": [
            {"name": STATUS_NAMES[status], "value": count} for status, count in figures["counts"].items() if count
        ],
        "children": {
            "names": [row["area"].name for row in children],
            "urls": [row["url"] for row in children],
            "totals": [row["total"] for row in children],
            # A list, not an object: the page's JSON has its keys sorted, and the rates keep their order.
            "rates": [
                {"name": label, "values": [_percent(row[name]) for row in children]}
                for name, label in RATE_NAMES.items()
            ],
        },
        "weeks": periods(weeks, "%m/%d"),
        "months": periods(months, "%Y-%m"),
    }


def _percent(rate: dict) -> float | None:
    return round(rate["value"] * 100, 1) if rate["value"] is not None else None


@blp.app_template_filter("percent")
def percent_text(rate: dict) -> str:
    return f"{rate['value'] * 100:.1f}%" if rate["value"] is not None else "—"
