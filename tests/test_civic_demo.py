"""The demo's service posts, pledges and notices, as the demo accounts see them through the API."""

import pytest
from sqlalchemy import select

from server.core import clock
from server.core.extensions import db
from server.entrypoints.cli import prepare_database
from server.points.models import PointEntry
from tests.conftest import login


@pytest.fixture
def demo(tmp_path, fake_wechat, make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/demo.db")
    assert prepare_database(app, with_demo=True) is True
    return app


def test_hongqi_has_posts_with_demo_members_in_them_and_one_a_place_short(demo):
    member = login(demo.test_client(), "demo-party-member")
    posts = member.get("/api/v1/posts")[1]["items"]
    assert {"政策宣传岗", "环境卫生岗", "邻里守望岗", "文明劝导岗"} <= {post["kind_name"] for post in posts}
    assert [post["title"] for post in posts if post["short"]] == ["邻里守望岗"]
    assert all(holder["nickname"].startswith("党员") for post in posts for holder in post["holders"])
    short = next(post for post in posts if post["short"])
    assert member.post(f"/api/v1/posts/{short['id']}/holders")[0] == 201


def test_this_years_pledges_are_listed_with_one_kept_and_its_points(demo):
    pledges = login(demo.test_client(), "demo-resident").get("/api/v1/pledges")[1]["items"]
    assert len(pledges) >= 3 and {p["year"] for p in pledges} == {clock.shanghai_today().year}
    [kept] = [p for p in pledges if p["status"] == "kept"]
    with demo.app_context():
        entry = db.session.scalar(select(PointEntry).where(PointEntry.source == f"pledge:{kept['id']}"))
        assert (entry.user_id, entry.reason) == (kept["member"]["id"], "pledge_kept")


def test_the_party_day_notice_is_pinned_first_and_demo_resident_has_read_another(demo):
    notices = login(demo.test_client(), "demo-resident").get("/api/v1/announcements")[1]["items"]
    assert len(notices) == 3
    assert notices[0]["pinned"] and "主题党日" in notices[0]["title"]
    assert sorted(n["read"] for n in notices) == [False, False, True]
