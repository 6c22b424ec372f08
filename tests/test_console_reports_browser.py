"""The monthly report in real headless Chromium: a district admin signs in, opens the reports
page from the menu, picks the district and a month and downloads the workbook, whose totals are
the stats overview's for the same node and month. Nothing is loaded from another host and the
browser logs no error."""

import io

from openpyxl import load_workbook

from tests.console import give_password, sign_in_page
from tests.reports import MONTH, a_reported_month, overview_of, rows_of, summary_of

RATES = {"响应率": "response_rate", "解决率": "resolution_rate", "满意率": "satisfaction_rate"}


def test_a_district_admin_downloads_the_monthly_workbook_whose_totals_match_the_api(
    app, world, monkeypatch, page, live_server, browser_events, tmp_path
):
    a_reported_month(world, monkeypatch)
    give_password(app, world.user_id("district_admin"), "district")

    sign_in_page(page, "district")
    page.click("nav.menu >> text=月度报表")
    page.wait_for_url("**/console/reports")
    page.select_option("#report-area", str(world.district.id))
    page.fill("#report-month", MONTH)
    page.click(".report-pick button[type=submit]")
    page.wait_for_url(f"**/console/reports?area_id={world.district.id}&month={MONTH}")
    with page.expect_download() as download_info:
        page.click("#download-workbook")
    download = download_info.value
    assert download.suggested_filename == "耀州区2026年3月月度报表.xlsx"
    saved = tmp_path / "report.xlsx"
    download.save_as(saved)

    book = load_workbook(io.BytesIO(saved.read_bytes()))
    summary = summary_of(book)
    api = overview_of(world.district_admin, world.district.id)
    assert summary["心愿总数"][0] == api["total"] == sum(row["心愿总数"] for row in rows_of(book, "网格"))
    for label, key in RATES.items():
        assert summary[label][1:] == (api[key]["numerator"], api[key]["denominator"])
    browser_events.assert_clean(live_server)
