"""The console's dashboard (数据看板) of an area node: the same counts and rates as
GET /api/v1/stats/overview for the node and period, the children ranked with rates that equal
each child's overview, trends bucketed by Shanghai weeks and months, the overdue tickets and
the volunteer hours; a person opens only the nodes the overview API lets them read, and the
drill-down links lead only there. The page's statement count does not grow with its children
or periods."""

import re
from datetime import UTC, date, datetime

import pytest

from server.areas.models import Area
from server.core import clock
from server.core.extensions import db
from server.stats import trends
from server.stats.rankings_by_area import children_figures
from server.wishes import queries
from server.wishes.models import STATUSES
from tests.console import give_password, sign_in
from tests.test_stats import APPROVE, adjust, dataset, make_wish  # noqa: F401 (dataset: a fixture)

DASHBOARD = "/console/dashboard"
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
