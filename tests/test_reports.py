"""The monthly report's workbook and CSV files, read back as Excel would read them: the figures
of the month's wishes and only those, laid out with real dates and percentages, without any
resident's contact details, and with a resident's text kept as text."""

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from server.activities.models import Activity
from server.areas.models import Area
from server.core.errors import Unprocessable
from server.core.extensions import db
from server.reports.csvfile import csv_lines
from server.reports.month import Month
from server.reports.monthly import monthly_workbook
from server.reports.sheets import Column, Sheet, new_workbook, saved
from server.reports.signups import signups_workbook
from server.wishes.models import STATUSES
from server.wishes.notifications import STATUS_NAMES
from tests.fixtures.api import VALID_WISH, register_unit
from tests.reports import MONTH, RISKY_TITLE, a_reported_month, overview_of, rows_of, summary_of


@pytest.fixture
def month(world, monkeypatch):
    return a_reported_month(world, monkeypatch)


def _workbook(app, area_id: int):
    with app.app_context():
        data = monthly_workbook(db.session.get(Area, area_id), Month.parse(MONTH))
    return load_workbook(io.BytesIO(data))


def test_the_grids_of_a_district_add_up_to_its_summary(app, world, month):
    book = _workbook(app, world.district.id)
    summary = summary_of(book)
    grids = rows_of(book, "网格")

    assert [row["网格"] for row in grids] == ["红旗社区第1网格", "红旗社区第2网格", "解放社区第1网格"]
    assert sum(row["心愿总数"] for row in grids) == summary["心愿总数"][0] == 12
    for status in STATUSES:
        assert sum(row[STATUS_NAMES[status]] for row in grids) == summary[f"状态：{STATUS_NAMES[status]}"][0]
    for rate in ("响应率", "解决率", "满意率"):
        assert sum(row[f"{rate}分子"] for row in grids) == summary[rate][1]
        assert sum(row[f"{rate}分母"] for row in grids) == summary[rate][2]
    assert sum(row["志愿时长（小时）"] for row in grids) == summary["志愿时长（小时）"][0] == 6
    assert sum(row["党员获得积分"] for row in grids) == summary["党员获得积分"][0]


def test_the_summary_of_a_community_is_its_overview_with_the_rates_as_percentages(app, world, month):
    book = _workbook(app, world.community.id)
    summary = summary_of(book)
    expected = overview_of(world.community_admin, world.community.id)

    assert summary["心愿总数"][0] == expected["total"] == 11
    for rate, key in (("响应率", "response_rate"), ("解决率", "resolution_rate"), ("满意率", "satisfaction_rate")):
        assert summary[rate] == (expected[key]["value"], expected[key]["numerator"], expected[key]["denominator"])
    rates = {row[0].value: row[1] for row in book["汇总"].iter_rows(min_row=2)}
    assert rates["满意率"].number_format == "0.0%" and rates["满意率"].data_type == "n"
    sheet = book["汇总"]
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["A"].width > 10


def test_the_wish_list_holds_the_months_wishes_with_real_dates_and_no_contact_details(app, world, month):
    book = _workbook(app, world.district.id)
    listed = rows_of(book, "心愿清单")
    numbers = [row["编号"] for row in listed]

    assert month["before"]["number"] not in numbers, "posted at 23:59 on 28 February in Shanghai"
    assert numbers[0] == month["first_minute"]["number"], "posted at 00:00 on 1 March in Shanghai"
    assert len(numbers) == 12
    closed = next(row for row in listed if row["编号"] == month["closed"]["number"])
    assert closed["状态"] == "已关闭" and closed["关闭结果"] == "已完成" and closed["网格"] == "红旗社区第1网格"
    assert isinstance(closed["审核时间"], datetime) and closed["审核时间"] == datetime(2026, 3, 20, 10, 0)
    assert all(isinstance(closed[key], datetime) for key in ("发布时间", "首次认领时间", "确认时间", "关闭时间"))
    cells = [str(value) for row in book["心愿清单"].iter_rows(values_only=True) for value in row]
    assert not any(VALID_WISH["contact_phone"] in cell or VALID_WISH["address"] in cell for cell in cells)
    assert not any(header in ("联系电话", "地址") for header in listed[0])


def test_a_title_that_looks_like_a_formula_stays_text_in_the_workbook(app, world, month):
    book = _workbook(app, world.district.id)

    cell = next(row[1] for row in book["心愿清单"].iter_rows(min_row=2) if row[0].value == month["risky"]["number"])
    assert cell.value == RISKY_TITLE and cell.data_type == "s"


def test_the_volunteer_hours_sheet_lists_the_months_credits_with_masked_names(app, world, month):
    book = _workbook(app, world.district.id)
    served = rows_of(book, "志愿时长")

    assert [(row["党员"], row["志愿时长（小时）"]) for row in served] == [("m*****", 2), ("m******", 4)]
    assert sum(row["志愿时长（小时）"] for row in served) == summary_of(book)["志愿时长（小时）"][0]
    assert isinstance(served[0]["活动开始时间"], datetime)


def test_the_units_sheet_shows_each_unit_of_the_node_with_its_figures(app, world, month):
    register_unit(world.worker, world.community.id)
    _, figures = world.worker.get("/api/v1/unit-organisations/figures")

    units = rows_of(_workbook(app, world.district.id), "单位")

    expected = figures["items"][0]["figures"]
    assert [(row["单位组织"], row["类型"], row["报到社区"]) for row in units] == [("区委办党支部", "机关", "红旗社区")]
    assert units[0]["报到党员数（累计）"] == expected["members"]
    assert units[0]["志愿时长（小时，累计）"] == expected["volunteer_minutes"] / 60
    assert "13912345678" not in str(units)


def test_csv_lines_start_with_a_byte_order_mark_and_neutralise_formulas():
    lines = csv_lines(["标题", "数量"], [["=1+1", 3], ["+86", -2], ["@SUM(A1)", None], ["-x", 1.5], ["正常", 0]])
    text = b"".join(lines).decode("utf-8")

    assert text.startswith("\ufeff标题,数量")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1:] == [["'=1+1", "3"], ["'+86", "-2"], ["'@SUM(A1)", ""], ["'-x", "1.5"], ["正常", "0"]]


@pytest.mark.parametrize("text", ["2026-13", "2026-3", "1999-12", "", "2026-03-01"])
def test_a_month_that_is_not_yyyy_mm_is_refused(text):
    with pytest.raises(Unprocessable):
        Month.parse(text)


def test_the_signup_workbook_lists_places_then_the_waitlist_in_order(app, world, client, factory):
    from tests.activities import members, publish

    activity = publish(world.worker, world.grid.id, capacity=1)
    volunteers = members(client, factory, world.grid.id, 3, prefix="志愿者")
    for api in volunteers:
        assert api.post(f"/api/v1/activities/{activity['id']}/signup")[0] == 201

    with app.app_context():
        book = load_workbook(io.BytesIO(signups_workbook(db.session.get(Activity, activity["id"]))))

    rows = rows_of(book, "报名与签到")
    assert [(row["党员"], row["状态"], row["候补顺位"]) for row in rows] == [
        ("志****", "已报名", None),
        ("志****", "候补", 1),
        ("志****", "候补", 2),
    ]
    assert isinstance(rows[0]["报名时间"], datetime)
    about = {row[0]: row[1] for row in book["活动信息"].iter_rows(min_row=2, values_only=True)}
    assert about["名额"] == 1 and about["已报名"] == 1 and about["候补"] == 2


def test_text_that_excel_would_read_as_a_formula_or_an_error_is_written_as_text():
    workbook = new_workbook()
    sheet = Sheet(workbook, "文本", [Column("内容")])
    for text in ("=1+1", "#N/A", "普通文字\x07"):
        sheet.write([text])

    cells = [row[0] for row in load_workbook(io.BytesIO(saved(workbook)))["文本"].iter_rows(min_row=2)]

    assert [(cell.value, cell.data_type) for cell in cells] == [("=1+1", "s"), ("#N/A", "s"), ("普通文字", "s")]
