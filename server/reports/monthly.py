"""The monthly report of an area node as an .xlsx workbook.

Sheets: 汇总 (the node's counts by status, the three rates with numerator and denominator,
volunteer hours, points), 网格 (the same figures, one row per grid: a district has dozens to
hundreds of grids, too many for a sheet each, and rows can be sorted and summed), 单位 (each
unit organisation's figures), 心愿清单 (the wishes posted in the month with their timeline
dates, no contact details: the report is mailed upward) and 志愿时长 (each credited sign-up).
"""

from server.areas.models import Area
from server.core.privacy import mask_name
from server.reports import figures
from server.reports.month import Month
from server.reports.sheets import Column, Sheet, new_workbook, saved
from server.units.models import KINDS
from server.wishes.models import CATEGORIES, STATUSES
from server.wishes.notifications import RESOLUTION_NAMES, STATUS_NAMES

LEVEL_NAMES = {"district": "区", "street": "街道", "community": "社区", "grid": "网格"}
RATES = (("response_rate", "响应率"), ("resolution_rate", "解决率"), ("satisfaction_rate", "满意率"))
TIMELINE = (
    ("created_at", "发布时间"),
    ("reviewed_at", "审核时间"),
    ("opened_at", "进入心愿池时间"),
    ("first_claimed_at", "首次认领时间"),
    ("fulfilled_at", "完成时间"),
    ("confirmed_at", "确认时间"),
    ("closed_at", "关闭时间"),
)
SERVICE_COLUMNS = [
    Column("活动", 30),
    Column("活动开始时间", 18, "datetime"),
    Column("活动所在区域", 18),
    Column("党员", 10),
    Column("志愿时长（小时）", 12, "hours"),
    Column("积分", 8, "int"),
    Column("记入时间", 18, "datetime"),
]
WISH_COLUMNS = [
    Column("编号", 16),
    Column("标题", 30),
    Column("网格", 18),
    Column("类别", 10),
    Column("状态", 8),
    Column("关闭结果", 10),
    Column("评价星级", 8, "int"),
    *(Column(header, 17, "datetime") for _, header in TIMELINE),
]


def monthly_workbook(area: Area, month: Month) -> bytes:
    workbook = new_workbook()
    _summary(workbook, figures.node_figures(area, month), month)
    _grids(workbook, area, month)
    _units(workbook, area)
    _wishes(workbook, area, month)
    _service(workbook, area, month)
    return saved(workbook)


def _summary(workbook, node: figures.NodeFigures, month: Month) -> None:
    sheet = Sheet(workbook, "汇总", [Column("项目", 22), Column("数值", 16), Column("分子", 10), Column("分母", 10)])
    overview = node.overview
    sheet.write(["区域", f"{node.area.name}（{LEVEL_NAMES[node.area.level]}）", None, None])
    sheet.write(["统计期间", month.label, None, None])
    sheet.write(["起止日期（北京时间）", f"{month.first:%Y-%m-%d} 至 {month.last:%Y-%m-%d}", None, None])
    sheet.write(["心愿总数", overview["total"], None, None])
    for status in STATUSES:
        sheet.write([f"状态：{STATUS_NAMES[status]}", overview["counts"][status], None, None])
    for key, name in RATES:
        rate = overview[key]
        sheet.write([name, rate["value"], rate["numerator"], rate["denominator"]], kinds=_RATE_ROW)
    sheet.write(["志愿时长（小时）", node.minutes / 60, None, None], kinds=_HOURS_ROW)
    sheet.write(["党员获得积分", node.points, None, None])


# The summary's value column holds text, counts, rates and hours: those rows say their format.
_RATE_ROW = ("text", "percent", "int", "int")
_HOURS_ROW = ("text", "hours", "int", "int")


def figure_columns() -> list[Column]:
    return [
        Column("心愿总数", 9, "int"),
        *(Column(STATUS_NAMES[status], 8, "int") for status in STATUSES),
        *(
            column
            for _, name in RATES
            for column in (Column(name, 9, "percent"), Column(f"{name}分子", 9, "int"), Column(f"{name}分母", 9, "int"))
        ),
        Column("志愿时长（小时）", 12, "hours"),
        Column("党员获得积分", 12, "int"),
    ]


def figure_values(node: figures.NodeFigures) -> list:
    overview = node.overview
    return [
        overview["total"],
        *(overview["counts"][status] for status in STATUSES),
        *(
            value
            for key, _ in RATES
            for value in (overview[key]["value"], overview[key]["numerator"], overview[key]["denominator"])
        ),
        node.minutes / 60,
        node.points,
    ]


def _grids(workbook, area: Area, month: Month) -> None:
    sheet = Sheet(workbook, "网格", [Column("社区", 16), Column("网格", 20), *figure_columns()])
    for grid, community in figures.grids_of(area):
        sheet.write([community, grid.name, *figure_values(figures.node_figures(grid, month))])


def _units(workbook, area: Area) -> None:
    sheet = Sheet(
        workbook,
        "单位",
        [
            Column("单位组织", 24),
            Column("类型", 8),
            Column("报到社区", 16),
            Column("报到党员数（累计）", 12, "int"),
            Column("完成心愿数（累计）", 12, "int"),
            Column("党员积分（累计）", 12, "int"),
            Column("志愿时长（小时，累计）", 14, "hours"),
        ],
    )
    for unit, values in figures.unit_figures(area):
        sheet.write(
            [
                unit.name,
                KINDS.get(unit.kind, unit.kind),
                unit.community,
                values["members"],
                values["wishes_fulfilled"],
                values["points"],
                values["volunteer_minutes"] / 60,
            ]
        )


def wish_values(row) -> list:
    return [
        row.number,
        row.title,
        row.grid,
        CATEGORIES.get(row.category, row.category),
        STATUS_NAMES[row.status],
        RESOLUTION_NAMES.get(row.resolution) if row.resolution else None,
        row.stars,
        *(getattr(row, key) for key, _ in TIMELINE),
    ]


def _wishes(workbook, area: Area, month: Month) -> None:
    sheet = Sheet(workbook, "心愿清单", WISH_COLUMNS)
    for row in figures.wish_rows(area, month):
        sheet.write(wish_values(row))


def service_values(row) -> list:
    return [
        row.title,
        row.starts_at,
        row.place,
        mask_name(row.nickname),
        (row.credited_minutes or 0) / 60,
        row.credited_points,
        row.credited_at,
    ]


def _service(workbook, area: Area, month: Month) -> None:
    sheet = Sheet(workbook, "志愿时长", SERVICE_COLUMNS)
    for row in figures.service_rows(area, month):
        sheet.write(service_values(row))
