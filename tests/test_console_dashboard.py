"""The console's dashboard (数据看板) of an area node: the same counts and rates as
GET /api/v1/stats/overview for the node and period, the children ranked with rates that equal
each child's overview, trends bucketed by Shanghai weeks and months, the overdue tickets and
the volunteer hours; a person opens only the nodes the overview API lets them read, and the
drill-down links lead only there. The page's statement count does not grow with its children
or periods."""

import re
from datetime import UTC, date, datetime

import pytest

from server.areas.models import Area, path_ids
from server.core import clock
from server.core.extensions import db
from server.points.operations import award
from server.stats import trends
from server.stats.rankings_by_area import children_figures
from server.wishes import queries
from tests import test_stats
from tests.activities import credit
from tests.conftest import login
from tests.console import give_password, sign_in
from tests.test_stats import APPROVE, adjust, make_wish
from tests.test_units import _member_of, _register

DASHBOARD = "/console/dashboard"
# The overview tests' eighteen wishes, whose every number tests/test_stats.py works out.
dataset = test_stats.dataset
RATES = ("response_rate", "resolution_rate", "satisfaction_rate")


@pytest.fixture
def console(app, world):
    """console("worker") -> a test client signed in to the console as that person."""

    def signed_in(name: str):
        give_password(app, world.user_id(name), name)
        client = app.test_client()
        assert sign_in(client, name).status_code == 303
        return client

    return signed_in


def page_of(client, **params) -> str:
    response = client.get(DASHBOARD, query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def shown_counts(html: str) -> dict:
    rows = re.findall(r'<tr data-status="(\w+)"><td>[^<]*</td><td>(\d+)</td></tr>', html)
    return {status: int(count) for status, count in rows}


def shown_rates(html: str) -> dict:
    found = re.findall(
        r'data-rate="(\w+)">\s*<div class="rate-name">[^<]*</div>\s*<div class="rate-value">([^<]*)</div>\s*'
        r'<div class="rate-parts">(\d+) / (\d+)</div>',
        html,
    )
    return {name: (value, int(top), int(bottom)) for name, value, top, bottom in found}


def as_shown(rate: dict) -> tuple:
    value = f"{rate['value'] * 100:.1f}%" if rate["value"] is not None else "—"
    return value, rate["numerator"], rate["denominator"]


def links(html: str, element_id: str) -> list[str]:
    """The dashboard links (area ids) inside the element with ``element_id``."""
    block = re.search(rf'id="{element_id}".*?</(table|nav)>', html, re.S).group(0)
    return [int(area_id) for area_id in re.findall(r'href="/console/dashboard\?area_id=(\d+)', block)]


def test_the_dashboard_shows_the_counts_and_rates_of_the_overview_api_for_the_same_node_and_period(
    world, dataset, console
):
    this_month = {"from": clock.shanghai_today().replace(day=1).isoformat(), "to": clock.shanghai_today().isoformat()}
    cases = [("district_admin", world.district.id), ("community_admin", world.community.id), ("worker", world.grid.id)]
    for name, area_id in cases:
        html = page_of(console(name), area_id=area_id)
        status, api = world.clients[name].get("/api/v1/stats/overview", area_id=area_id, **this_month)
        assert status == 200

        assert shown_counts(html) == api["counts"]
        assert f'<span id="total">{api["total"]}</span>' in html
        assert shown_rates(html) == {name: as_shown(api[name]) for name in RATES}
    assert api["total"] == 12, "the grid's twelve wishes, all posted this month"


def test_each_child_and_each_trend_period_has_the_rates_of_the_overview_of_that_node_and_period(app, world, dataset):
    today = clock.shanghai_today()
    with app.app_context():
        community = db.session.get(Area, world.community.id)
        street = db.session.get(Area, community.parent_id)
        for parent in (street, community):
            rows = children_figures(parent, None, today)
            assert {row["area"].id for row in rows} == {child.id for child in street_or_community_children(parent)}
            for row in rows:
                expected = queries.overview(row["area"], None, today)
                assert row["total"] == expected["total"] and row["counts"] == expected["counts"]
                assert {name: row[name] for name in RATES} == {name: expected[name] for name in RATES}
        district = db.session.get(Area, world.district.id)
        for period in trends.trend(district, trends.week_starts(today, 3), today):
            expected = queries.overview(district, period["start"], period["end"])
            assert period["posted"] == expected["total"]
            assert period["confirmed"] == expected["resolution_rate"]["numerator"]
            assert period["response_rate"] == expected["response_rate"]
    assert period["posted"] == 18, "the eighteen wishes posted this week"


def street_or_community_children(parent: Area) -> list[Area]:
    return list(db.session.scalars(db.select(Area).where(Area.parent_id == parent.id)))


def test_the_children_are_ranked_by_response_rate_with_the_numbers_in_the_table(world, dataset, console):
    html = page_of(console("community_admin"), area_id=world.community.id)

    # 红旗社区第1网格: response 6/8 (test_stats); 第2网格: 1/2 (M late, O answered)
    assert links(html, "children") == [world.grid.id, world.other_grid.id]
    grid_row = re.search(rf'<tr data-area-id="{world.grid.id}">.*?</tr>', html, re.S).group(0)
    assert "<td>12</td>" in grid_row and "75.0%<small>（6/8）</small>" in grid_row


def test_trend_periods_split_at_shanghai_midnight_not_utc_midnight(app, world, console):
    # 2026-10-31 23:59:59 in Shanghai is 15:59:59 UTC; one second later it is November there.
    last_of_october = make_wish(world, "grid", APPROVE)
    first_of_november = make_wish(world, "grid", APPROVE)
    early_utc_november = make_wish(world, "grid", APPROVE)
    adjust(app, last_of_october, created_at=datetime(2026, 10, 31, 15, 59, 59, tzinfo=UTC))
    adjust(app, first_of_november, created_at=datetime(2026, 10, 31, 16, 0, 0, tzinfo=UTC))
    adjust(app, early_utc_november, created_at=datetime(2026, 11, 1, 3, 0, 0, tzinfo=UTC))

    html = page_of(console("worker"), area_id=world.grid.id, **{"from": "2026-11-01", "to": "2026-11-15"})

    months = dict(
        re.findall(r'<tr data-start="(\d{4}-\d\d-01)"><td>[^<]*</td><td>(\d+)</td>', trend_table(html, "months"))
    )
    assert months["2026-10-01"] == "1" and months["2026-11-01"] == "2"
    weeks = dict(re.findall(r'<tr data-start="([\d-]+)"><td>[^<]*</td><td>(\d+)</td>', trend_table(html, "weeks")))
    # Saturday 31 October and Sunday 1 November share the week from Monday 26 October.
    assert weeks["2026-10-26"] == "3" and weeks["2026-11-02"] == "0"
    assert list(weeks)[-1] == "2026-11-09", "twelve weeks ending with the week of the period's last day"
    assert len(weeks) == len(months) == 12
    assert shown_counts(html)["open"] == 2, "the counts are of the period: October's wish is left out"


def trend_table(html: str, key: str) -> str:
    return re.search(rf'id="trend-{key}".*?</table>', html, re.S).group(0)


def test_week_and_month_starts_step_back_across_year_ends():
    assert trends.month_starts(date(2026, 2, 10), 3) == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert trends.week_starts(date(2026, 1, 1), 2) == [date(2025, 12, 22), date(2025, 12, 29)]


def test_a_grid_worker_sees_only_their_grid_and_another_node_is_refused_like_the_api(app, client, world, factory):
    # No home grid: no community to read as a resident, as the world's worker (who lives there) may.
    give_password(app, factory.user("street_worker", grid_worker=world.grid.id), "street_worker")
    worker = app.test_client()
    assert sign_in(worker, "street_worker").status_code == 303
    api = login(client, "street_worker")
    with app.app_context():
        another_district = path_ids(db.session.get(Area, factory.area("grid")).path)[0]

    html = page_of(worker)
    assert "数据看板 · 红旗社区第1网格" in html
    for other in (world.community.id, world.other_grid.id, world.other_community_grid.id, another_district):
        response = worker.get(DASHBOARD, query_string={"area_id": other})
        assert response.status_code == 403
        assert "无权查看该区域的统计" in response.get_data(as_text=True)
        assert api.get("/api/v1/stats/overview", area_id=other)[0] == 403
    assert worker.get(DASHBOARD, query_string={"area_id": 999_999}).status_code == 404
    assert links(html, "breadcrumb") == [], "nothing above their grid is theirs"


def test_the_breadcrumb_links_up_only_as_far_as_the_person_may_read(world, console):
    grid_page = page_of(console("community_admin"), area_id=world.grid.id)
    assert links(grid_page, "breadcrumb") == [world.community.id], "the district and street are not theirs"
    assert "耀州区" in grid_page and "永安路街道" in grid_page


def test_drill_down_links_lead_to_the_children_and_each_opens(app, world, console):
    admin = console("district_admin")
    district_page = page_of(admin)
    (street_id,) = links(district_page, "children")

    street_page = page_of(admin, area_id=street_id)
    communities = links(street_page, "children")
    assert street_id == parent_of(app, world.community.id)
    assert communities == [world.community.id, parent_of(app, world.other_community_grid.id)]
    assert links(street_page, "breadcrumb") == [world.district.id]
    community_page = page_of(admin, area_id=world.community.id)
    assert links(community_page, "children") == [world.grid.id, world.other_grid.id]
    assert "下级网格排名" in community_page
    assert 'id="children"' not in page_of(admin, area_id=world.grid.id), "a grid has no children to rank"

    jiefang = console("jiefang_admin")
    assert links(page_of(jiefang), "children") == [world.other_community_grid.id]


def test_an_invalid_period_is_refused_with_a_message_naming_the_field(console):
    admin = console("district_admin")

    response = admin.get(DASHBOARD, query_string={"from": "2026-11-31"})
    assert response.status_code == 422
    assert "查询条件有误（开始日期：日期格式无效，应为 YYYY-MM-DD）" in response.get_data(as_text=True)
    response = admin.get(DASHBOARD, query_string={"area_id": "红旗社区"})
    assert "区域：应为整数" in response.get_data(as_text=True)
    assert "日期应在 2000–2099 年之间" in admin.get(DASHBOARD, query_string={"to": "1999-12-31"}).get_data(as_text=True)
    response = admin.get(DASHBOARD, query_string={"from": "2026-11-10", "to": "2026-11-01"})
    assert response.status_code == 422
    assert "结束日期不能早于开始日期" in response.get_data(as_text=True)


def test_overdue_tickets_are_listed_with_a_link_to_the_ticket(app, world, console):
    escalated = make_wish(world, "grid", APPROVE)
    fresh = make_wish(world, "grid", APPROVE)
    adjust(app, escalated, escalated_at=clock.now())

    html = page_of(console("community_admin"), area_id=world.community.id)

    overdue = re.search(r'id="overdue".*?</table>', html, re.S).group(0)
    assert f'href="/console/wishes/{escalated}"' in overdue and f"/console/wishes/{fresh}" not in overdue
    assert '<span id="overdue-count">1</span>' in html


def test_the_page_statement_count_does_not_grow_with_children_or_periods(app, world, factory, console, count_queries):
    admin = console("district_admin")
    street_id = parent_of(app, world.community.id)
    page_of(admin)  # a first read warms what is cached per process
    with count_queries() as two_communities:
        page_of(admin, area_id=street_id)
    for _ in range(3):
        factory.area("community", street_id)
    with count_queries() as five_communities:
        page_of(admin, area_id=street_id, **{"from": "2025-01-01", "to": "2026-11-30"})

    assert len(five_communities) == len(two_communities), str(five_communities)
    assert len(five_communities) <= 17, str(five_communities)


def parent_of(app, area_id: int) -> int:
    with app.app_context():
        return db.session.get(Area, area_id).parent_id


def test_volunteer_hours_count_the_time_credited_in_the_period_in_the_subtree(world, console, monkeypatch):
    # Credited when the activity ends: 10:00 and 11:00 UTC on 1 May (Shanghai 18:00 and 19:00).
    credit(monkeypatch, world.worker, [world.member], datetime(2026, 5, 1, 8, 0, tzinfo=UTC), area_id=world.grid.id)
    credit(
        monkeypatch,
        world.worker,
        [world.member, world.member2],
        datetime(2026, 5, 1, 9, 0, tzinfo=UTC),
        hours=1.5,
        area_id=world.grid.id,
    )
    credit(
        monkeypatch,
        world.jiefang_admin,
        [world.member],
        datetime(2026, 6, 1, 8, 0, tzinfo=UTC),
        area_id=world.other_community_grid.id,
    )

    admin = console("district_admin")

    def shown(**params) -> str:
        html = page_of(admin, **params)
        return re.search(r'id="volunteering">(.*?)</p>', html, re.S).group(1)

    may = {"from": "2026-05-01", "to": "2026-05-31"}
    assert shown(area_id=world.grid.id, **may) == "累计志愿时长 <strong>5.0</strong> 小时，2 人参与 2 场活动"
    assert "<strong>2.0</strong>" in shown(
        area_id=world.other_community_grid.id, **{"from": "2026-06-01", "to": "2026-06-01"}
    )
    assert "<strong>0.0</strong>" in shown(area_id=world.other_community_grid.id, **may)


def test_unit_organisations_are_ranked_by_the_points_their_members_earned_this_month(
    app, client, world, factory, console
):
    hospital = _register(world.worker, world.community.id, name="区人民医院党委", kind="hospital")
    school = _register(world.worker, world.community.id, name="耀州中学党总支", kind="school")
    for openid, unit, points in [("doctor", hospital, 25), ("teacher", school, 10)]:
        user_id = factory.user(openid, home_grid_id=world.grid.id)
        _member_of(world, login(client, openid), unit["id"])
        with app.app_context():
            assert award(user_id, points, "wish_confirmed", f"wish:{openid}")
            db.session.commit()

    html = page_of(console("community_admin"), area_id=world.community.id)

    units = re.search(r'id="units".*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td><td>(\d+)</td>", units)
    assert rows == [("1", "区人民医院党委", "25"), ("2", "耀州中学党总支", "10")]
