"""The console's monthly report: a staff member picks a node they may read and a month and
downloads its workbook, whose totals are the stats overview's for the same node and period;
its lists as CSV; each activity's sign-up workbook for its organiser and the area's staff.
Another district's node, or an activity someone does not manage, is refused."""

import csv
import io
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from tests.activities import members, publish
from tests.console import give_password, sign_in
from tests.reports import MONTH, RISKY_TITLE, a_reported_month, overview_of, rows_of, summary_of

RATES = {"响应率": "response_rate", "解决率": "resolution_rate", "满意率": "satisfaction_rate"}


@pytest.fixture
def console(app, world):
    """``console(name)``: a test client signed in to the console as that person of the world."""

    def signed_in(name: str):
        give_password(app, world.user_id(name), name)
        client = app.test_client()
        assert sign_in(client, name).status_code == 303
        return client

    return signed_in


@pytest.fixture
def month(world, monkeypatch):
    return a_reported_month(world, monkeypatch)


def _workbook_url(area_id: int, month: str = MONTH) -> str:
    return f"/console/reports/{area_id}/{month}.xlsx"


def test_the_downloaded_workbook_of_a_district_has_the_totals_of_the_stats_overview(world, console, month):
    response = console("district_admin").get(_workbook_url(world.district.id))

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.data))
    summary, grids = summary_of(book), rows_of(book, "网格")
    api = overview_of(world.district_admin, world.district.id)
    assert summary["心愿总数"][0] == api["total"] == sum(row["心愿总数"] for row in grids)
    for status, count in api["counts"].items():
        name = next(label for label in summary if label.startswith("状态：") and _status(label) == status)
        assert summary[name][0] == count
    for label, key in RATES.items():
        assert summary[label][1:] == (api[key]["numerator"], api[key]["denominator"])
        assert sum(row[f"{label}分子"] for row in grids) == api[key]["numerator"]
        assert sum(row[f"{label}分母"] for row in grids) == api[key]["denominator"]
    for grid in grids:
        grid_api = overview_of(world.district_admin, _grid_id(world, grid["网格"]))
        assert grid["心愿总数"] == grid_api["total"]
        assert grid["响应率分母"] == grid_api["response_rate"]["denominator"]


def _status(label: str) -> str:
    from server.wishes.notifications import STATUS_NAMES

    return {name: status for status, name in STATUS_NAMES.items()}[label.removeprefix("状态：")]


def _grid_id(world, name: str) -> int:
    names = {
        "红旗社区第1网格": world.grid,
        "红旗社区第2网格": world.other_grid,
        "解放社区第1网格": world.other_community_grid,
    }
    return names[name].id


def test_the_workbook_is_named_in_chinese_with_an_ascii_fallback(world, console, month):
    response = console("community_admin").get(_workbook_url(world.community.id))

    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="report-{world.community.id}-2026-03.xlsx"; ')
    assert f"filename*=UTF-8''{quote('红旗社区2026年3月月度报表.xlsx')}" in disposition
    assert response.headers["Cache-Control"] == "no-store"


def test_a_node_outside_the_staff_members_scope_is_refused(app, world, console, factory, month):
    another_district = factory.area("district", name="另一个区")
    community_admin = console("community_admin")

    for area_id in (world.district.id, world.other_community_grid.id, another_district):
        response = community_admin.get(_workbook_url(area_id))
        assert response.status_code == 403, area_id
        assert "无权查看该区域的统计" in response.get_data(as_text=True)
        assert community_admin.get(f"/console/reports/{area_id}/{MONTH}/wishes.csv").status_code == 403
    assert console("district_admin").get(_workbook_url(another_district)).status_code == 403
    assert console("worker").get(_workbook_url(world.other_community_grid.id)).status_code == 403


def test_the_reports_page_offers_the_nodes_the_person_may_read_and_links_the_downloads(world, console):
    page = console("community_admin").get(f"/console/reports?area_id={world.grid.id}&month={MONTH}")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "红旗社区（社区）" in html and "红旗社区第2网格" in html
    assert "解放社区" not in html and "耀州区" not in html
    assert f'value="{world.grid.id}" selected' in html
    assert f'href="/console/reports/{world.grid.id}/{MONTH}.xlsx"' in html
    assert f'href="/console/reports/{world.grid.id}/{MONTH}/wishes.csv"' in html
    assert 'href="/console/reports"' in html, "the menu lists the reports"


def test_a_month_that_is_not_a_month_is_refused_with_the_fields_named(world, console):
    response = console("district_admin").get(_workbook_url(world.district.id, "2026-13"))

    assert response.status_code == 422
    assert "月份格式应为 YYYY-MM" in response.get_data(as_text=True)


def test_the_wish_list_csv_opens_in_excel_with_chinese_and_formulas_made_text(world, console, month):
    response = console("district_admin").get(f"/console/reports/{world.district.id}/{MONTH}/wishes.csv")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    assert response.data.startswith("\ufeff编号,标题".encode())
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == overview_of(world.district_admin, world.district.id)["total"]
    risky = next(row for row in rows if row["编号"] == month["risky"]["number"])
    assert risky["标题"] == "'" + RISKY_TITLE
    assert rows[0]["发布时间"] == "2026-03-01 00:00", "Shanghai time"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]


def test_the_volunteer_hours_csv_lists_the_months_credits(world, console, month):
    response = console("community_admin").get(f"/console/reports/{world.community.id}/{MONTH}/hours.csv")

    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [(row["党员"], row["志愿时长（小时）"], row["积分"]) for row in rows] == [
        ("m*****", "2", "4"),
        ("m******", "4", "8"),
    ]


def test_the_organiser_and_the_areas_staff_download_an_activitys_signups_and_others_are_refused(
    app, world, console, client, factory
):
    activity = publish(world.worker, world.grid.id, title="清理楼道杂物")
    for api in members(client, factory, world.grid.id, 2):
        assert api.post(f"/api/v1/activities/{activity['id']}/signup")[0] == 201
    url = f"/console/activities/{activity['id']}/signups.xlsx"

    for name in ("worker", "community_admin", "district_admin"):
        response = console(name).get(url)
        assert response.status_code == 200, name
    rows = rows_of(load_workbook(io.BytesIO(response.data)), "报名与签到")
    assert [(row["党员"], row["状态"]) for row in rows] == [("v**********", "已报名")] * 2
    assert f"filename*=UTF-8''{quote('清理楼道杂物报名签到名单.xlsx')}" in response.headers["Content-Disposition"]
    for name in ("other_worker", "jiefang_admin"):
        refused = console(name).get(url)
        assert refused.status_code == 403, name
        assert "只有活动组织者" in refused.get_data(as_text=True)
    assert console("worker").get("/console/activities/999999/signups.xlsx").status_code == 404


def test_a_resident_is_sent_to_sign_in_instead_of_downloading(app, world, month):
    response = app.test_client().get(_workbook_url(world.district.id))

    assert response.status_code == 302 and response.headers["Location"] == "/console/login"
