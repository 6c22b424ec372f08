"""The ticket board: the wishes of the staff member's scope, filtered and searched from the
query string, paged by the API's cursor ("加载更多", appended by htmx or followed as a link),
each row with its age and the deadline its status is heading for."""

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import update

from server.areas.rules import windows_for
from server.console import views
from server.console.filters import shanghai
from server.core import clock
from server.core.extensions import db
from server.wishes.deadlines import next_deadline
from server.wishes.models import Wish
from tests.conftest import act, post_wish
from tests.console import signed_in
from tests.test_lifecycle_windows import claimed, set_rules

BOARD = "/console/"


@pytest.fixture
def worker(app, world):
    return signed_in(app, world, "worker")


def board(client, **filters) -> str:
    response = client.get(BOARD, query_string=filters)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def numbers(html: str) -> list[str]:
    return re.findall(r'<a href="/console/wishes/\d+">(\d+)</a>', html)


def move_back(app, wish_id: int, seconds: int, **marks) -> None:
    """The wish entered its status ``seconds`` earlier (and carries ``marks``)."""
    with app.app_context():
        wish = db.session.get(Wish, wish_id)
        since = wish.status_since - timedelta(seconds=seconds)
        db.session.execute(update(Wish).where(Wish.id == wish_id).values(status_since=since, **marks))
        db.session.commit()


def status_since(app, wish_id: int):
    with app.app_context():
        return db.session.get(Wish, wish_id).status_since


def test_each_row_shows_the_deadline_its_status_is_heading_for(app, worker, wish_in):
    pending = wish_in("pending_review")
    claimed = wish_in("claimed")
    html = board(worker)

    review_due = status_since(app, pending["id"]) + timedelta(seconds=app.config["REVIEW_WINDOW_SECONDS"])
    release_due = status_since(app, claimed["id"]) + timedelta(seconds=app.config["CLAIM_TIMEOUT_SECONDS"])
    assert f"审核期限 {shanghai(review_due)}" in _row(html, pending["number"])
    assert f"认领超时释放 {shanghai(release_due)}" in _row(html, claimed["number"])
    assert "红旗社区第1网格" in _row(html, pending["number"])


def test_the_deadline_rule_counts_from_the_windows_it_is_given(app, world, wish_in):
    wish = wish_in("fulfilled")
    with app.app_context():
        row = db.session.get(Wish, wish["id"])
        deadline = next_deadline(row, replace(windows_for(row.area_path), confirm_window_seconds=60))

        assert deadline.label == "自动确认" and deadline.at == row.status_since + timedelta(seconds=60)
        assert next_deadline(row).at == row.status_since + timedelta(seconds=app.config["CONFIRM_WINDOW_SECONDS"])
        row.status = "confirmed"
        assert next_deadline(row) is None, "nothing is timed once confirmed"


def test_a_communitys_own_window_times_its_rows_and_its_neighbours_keep_the_setting(app, world, worker):
    set_rules(world, claim_reminder_seconds=24 * 3600, claim_timeout_seconds=48 * 3600)
    own = claimed(world, world.grid, "worker")
    elsewhere = claimed(world, world.other_community_grid, "jiefang_admin")
    admin = signed_in(app, world, "district_admin")

    html = board(admin)

    assert f"认领超时释放 {shanghai(status_since(app, own['id']) + timedelta(hours=48))}" in _row(html, own["number"])
    default_due = status_since(app, elsewhere["id"]) + timedelta(seconds=app.config["CLAIM_TIMEOUT_SECONDS"])
    assert f"认领超时释放 {shanghai(default_due)}" in _row(html, elsewhere["number"])


def test_the_overdue_filter_holds_each_wish_to_its_own_communitys_window(app, world):
    set_rules(world, claim_reminder_seconds=24 * 3600, claim_timeout_seconds=48 * 3600)
    short = claimed(world, world.grid, "worker")
    long = claimed(world, world.other_community_grid, "jiefang_admin")
    for wish in (short, long):
        move_back(app, wish["id"], 72 * 3600)  # past 48 h, within the default 7 days
    admin = signed_in(app, world, "district_admin")

    assert numbers(board(admin, flag="overdue")) == [short["number"]]


def test_an_overdue_wish_is_marked_and_the_overdue_filter_shows_only_overdue_ones(app, worker, wish_in):
    late = wish_in("open")
    on_time = wish_in("open")
    move_back(app, late["id"], app.config["UNCLAIMED_ESCALATION_SECONDS"] + 60)

    html = board(worker)
    assert "已超时" in _row(html, late["number"]) and "已超时" not in _row(html, on_time["number"])
    assert numbers(board(worker, flag="overdue")) == [late["number"]]


def test_the_board_filters_by_status_grid_category_and_escalation(app, world, worker, wish_in):
    pending = wish_in("pending_review", category="repair")
    escalated = wish_in("open")
    with app.app_context():
        db.session.execute(update(Wish).where(Wish.id == escalated["id"]).values(escalated_at=clock.now()))
        db.session.commit()
    admin = signed_in(app, world, "community_admin")
    elsewhere = post_wish(world.resident, grid_id=world.other_grid.id)

    assert numbers(board(worker, status="pending_review")) == [pending["number"]]
    assert numbers(board(worker, category="repair")) == [pending["number"]]
    assert numbers(board(worker, flag="escalated")) == [escalated["number"]]
    assert "已上报" in _row(board(worker), escalated["number"])
    assert numbers(board(admin, grid_id=world.other_grid.id)) == [elsewhere["number"]]
    assert numbers(board(worker, grid_id=world.other_grid.id)) == [], "a grid outside the scope shows nothing"


def test_a_search_matches_a_number_exactly_or_text_in_the_title_or_description(world, worker):
    lamp = post_wish(world.resident, title="楼道灯坏了", description="三楼的灯不亮")
    medicine = post_wish(world.resident, title="帮忙取药", description="腿脚不便，请人去取降压药")

    assert numbers(board(worker, q=lamp["number"])) == [lamp["number"]]
    assert numbers(board(worker, q=lamp["number"][:-1])) == [], "a number matches whole"
    assert numbers(board(worker, q="降压药")) == [medicine["number"]]
    assert numbers(board(worker, q="灯")) == [lamp["number"]]
    assert numbers(board(worker, q="100%")) == []


def test_an_invalid_filter_value_says_what_is_wrong_instead_of_failing(worker):
    response = worker.get(BOARD, query_string={"status": "lost", "flag": "soon"})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "status" in html and "flag" in html and 'role="alert"' in html


def test_the_board_pages_by_cursor_with_a_link_htmx_appends_in_place(monkeypatch, world, worker):
    monkeypatch.setattr(views, "BOARD_ROWS", 2)
    posted = [post_wish(world.resident, title=f"心愿{n}")["number"] for n in range(3)]

    first = board(worker, status="pending_review")
    assert numbers(first) == posted[:0:-1]
    more = re.search(r'<a id="more" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "status=pending_review" in more, "the next page keeps the filters"

    partial = worker.get(more, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert numbers(partial) == [posted[0]] and "<html" not in partial and 'id="more"' not in partial
    plain = worker.get(more).get_data(as_text=True)
    assert numbers(plain) == [posted[0]] and "<html" in plain, "without script the link opens the next page"


def test_the_board_updates_when_a_wish_moves_on(world, worker, wish_in):
    wish = wish_in("open")
    act(world.member, wish["id"], "claim")

    assert "已认领" in _row(board(worker), wish["number"])


def _row(html: str, number: str) -> str:
    match = re.search(rf"<tr data-wish=[^>]*>\s*<td[^>]*><a [^>]*>{number}</a>.*?</tr>", html, re.S)
    assert match, f"no row for {number}"
    return match.group(0)
