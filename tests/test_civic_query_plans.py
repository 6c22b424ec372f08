"""The lists of issue 13 read their tables through an index, never a sequential scan
(PostgreSQL plans), on tables with statistics where one grid or community is a small part of
the whole: a reader's notices, a grid's pledges, a community's posts."""

import itertools

import pytest
from sqlalchemy import func, insert, select

from bench import seed
from server.accounts.models import User
from server.accounts.tokens import issue_token
from server.announcements.models import Announcement, AnnouncementRead
from server.core import clock
from server.core.extensions import db
from server.pledges.models import Pledge
from server.posts.models import ServicePost
from tests.console import give_password, sign_in
from tests.fixtures.database import postgresql_only
from tests.test_query_plans import assert_indexed, statements_on

pytestmark = [
    postgresql_only(
        "the plans under test are PostgreSQL's (SQLite's planner is another one); make test-postgres runs it"
    ),
    pytest.mark.commits,  # bench.seed commits the tree
]

COMMUNITIES = 20
NOTICES_PER_GRID = 40
POSTS_PER_COMMUNITY = 40


@pytest.fixture
def district(app):
    with app.app_context():
        ids = seed.build_tree(COMMUNITIES)
        grids = seed.grids_of()
        now = clock.now()
        author = grids[0].worker
        notices = [
            {"area_id": grid.id, "area_path": grid.path, "title": "通知", "body": "内容", "pinned": n % 10 == 0}
            for grid, n in itertools.product(grids, range(NOTICES_PER_GRID))
        ]
        db.session.execute(insert(Announcement), [{**row, "author_id": author, "created_at": now} for row in notices])
        first = db.session.scalar(select(func.min(Announcement.id)))
        reads = [
            {"announcement_id": first + n, "user_id": person, "read_at": now}
            for n, grid in zip(range(0, len(notices), NOTICES_PER_GRID), grids, strict=True)
            for person in grid.people[:20]
        ]
        db.session.execute(insert(AnnouncementRead), reads)
        pledges = [
            {
                "user_id": member,
                "year": year,
                "grid_id": grid.id,
                "area_path": grid.path,
                "text": "承诺",
                "status": "pending",
                "created_at": now,
                "updated_at": now,
            }
            for grid in grids
            for member in grid.members
            for year in range(2020, clock.shanghai_today().year + 1)
        ]
        db.session.execute(insert(Pledge), pledges)
        communities = {grid.path.rsplit("/", 2)[0] + "/": int(grid.path.strip("/").split("/")[-2]) for grid in grids}
        posts = [
            {
                "community_id": community_id,
                "area_path": path,
                "kind": "care",
                "title": "岗位",
                "duties": "职责",
                "capacity": 2,
                "held": 0,
                "created_by": author,
                "created_at": now,
            }
            for path, community_id in communities.items()
            for _ in range(POSTS_PER_COMMUNITY)
        ]
        db.session.execute(insert(ServicePost), posts)
        db.session.commit()
        seed.analyze()
        resident = grids[0].people[0]
        ids["grid_id"] = grids[0].id
        ids["token"] = issue_token(db.session.get(User, resident))
        db.session.remove()
    return ids


@pytest.mark.parametrize(
    ("table", "path", "query"),
    [
        ("announcements", "/api/v1/announcements", {}),
        ("pledges", "/api/v1/pledges", {}),
        ("service_posts", "/api/v1/posts", {}),
    ],
)
def test_a_residents_list_reads_its_table_through_an_index(app, client, district, table, path, query):
    headers = {"Authorization": f"Bearer {district['token']}"}

    def listing():
        response = client.get(path, query_string={**query, "limit": 20}, headers=headers)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["items"]

    assert_indexed(app, statements_on(app, listing, table), table)


@pytest.mark.parametrize(("table", "path"), [("pledges", "/console/pledges"), ("service_posts", "/console/posts")])
def test_a_grid_workers_console_list_reads_its_table_through_an_index(app, district, table, path):
    with app.app_context():
        worker = seed.grids_of()[0].worker
    give_password(app, worker, "plan-worker")
    console = app.test_client()
    assert sign_in(console, "plan-worker").status_code == 303

    def listing():
        response = console.get(path)
        assert response.status_code == 200
        assert "暂无" not in response.get_data(as_text=True)

    assert_indexed(app, statements_on(app, listing, table), table)
