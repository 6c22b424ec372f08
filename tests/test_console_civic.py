"""The console's community-life pages: unit organisations (双报到) with their figures,
practical matters (为民办实事) with their progress notes, service posts with their shortage,
and the year's pledges assessed once. Each lists only the staff member's scope; another
community's staff see none of it and cannot act; a refused action is a message on the page."""

import re

import pytest

from server.accounts.models import User
from server.core import clock
from server.core.extensions import db
from server.points.operations import award
from server.units.models import MatterNote, UnitOrganisation
from tests.conftest import login
from tests.console import csrf_token, give_password, sign_in

UNIT = {
    "name": "区委办党支部",
    "kind": "office",
    "contact_name": "孙主任",
    "contact_phone": "13912345678",
    "agreement_on": "2026-03-01",
}
MATTER = {"title": "老旧小区加装电梯", "description": "为3号楼加装电梯，方便老人上下楼。", "deadline": "2099-06-30"}
POST = {"kind": "sanitation", "title": "3号楼卫生岗", "duties": "每周组织楼院清扫。", "capacity": 3}
PLEDGE = "每月至少认领两个微心愿，帮助楼栋独居老人。"


@pytest.fixture
def consoles(app, world):
    """Signed-in console clients: the grid worker, the community admin, another grid's worker
    in the same community, and the admin of the other community (解放社区)."""
    clients = {}
    for name in ("worker", "community_admin", "other_worker", "jiefang_admin"):
        give_password(app, world.user_id(name), name.replace("_", "-"))
        clients[name] = app.test_client()
        assert sign_in(clients[name], name.replace("_", "-")).status_code == 303
    return clients


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def submit(client, page_path: str, action: str, form: dict):
    """Post a form from ``page_path`` as the browser would: the page's CSRF token, its address
    as the referrer."""
    token = csrf_token(page(client, page_path))
    data = {"csrf_token": token, **{key: str(value) for key, value in form.items()}}
    return client.post(action, data=data, headers={"Referer": f"http://localhost{page_path}"})


def followed(client, response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return page(client, response.headers["Location"])


def flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash flash-\w+"[^>]*>([^<]*)</p>', html)


def _unit(world, **overrides) -> dict:
    status, unit = world.worker.post(
        "/api/v1/unit-organisations", {"community_id": world.community.id, **UNIT, **overrides}
    )
    assert status == 201, unit
    return unit


def _matter(world, **overrides) -> dict:
    body = {"community_id": world.community.id, **MATTER, **overrides}
    status, matter = world.worker.post("/api/v1/practical-matters", body)
    assert status == 201, matter
    return matter


def _pledge(api) -> dict:
    status, pledge = api.post("/api/v1/pledges", {"text": PLEDGE})
    assert status == 201, pledge
    return pledge


# -- units ---------------------------------------------------------------------------------------


def test_the_units_page_shows_a_unit_with_its_contact_unmasked_and_its_members_and_points(
    app, client, world, factory, consoles
):
    unit = _unit(world)
    factory.user("doctor", home_grid_id=world.grid.id)
    doctor = login(client, "doctor")
    status, application = doctor.post(
        "/api/v1/me/party-membership", {"name": "某某", "branch": "支部", "work_unit_org_id": unit["id"]}
    )
    assert status == 201, application
    status, _ = world.community_admin.post(
        f"/api/v1/party-memberships/{application['id']}/review", {"decision": "approve"}
    )
    assert status == 200
    with app.app_context():
        doctor_id = db.session.query(User.id).filter_by(openid="doctor").scalar()
        award(doctor_id, 15, "test", "test:doctor")
        db.session.commit()

    html = page(consoles["worker"], "/console/units")

    row = re.search(r"<tr>\s*<td data-label=\"单位党组织\">区委办党支部.*?</tr>", html, re.S).group(0)
    assert "13912345678" in row, "staff of its community see the whole phone number"
    assert '<td data-label="报到党员">1</td>' in row
    assert '<td data-label="积分">15</td>' in row


def test_another_communitys_staff_see_none_of_the_units_and_cannot_register_one_there(world, consoles):
    _unit(world)

    assert "区委办党支部" not in page(consoles["jiefang_admin"], "/console/units")
    response = submit(
        consoles["jiefang_admin"],
        "/console/units",
        "/console/units",
        {"community_id": world.community.id, **UNIT, "name": "越权登记的单位"},
    )

    html = followed(consoles["jiefang_admin"], response)
    assert flashes(html) == ["只有该社区的网格员或上级管理员可以操作"]
    assert "越权登记的单位" not in page(consoles["worker"], "/console/units")


def test_a_grid_worker_registers_a_unit_through_the_form_and_it_is_listed(app, world, consoles):
    response = submit(
        consoles["worker"], "/console/units", "/console/units", {"community_id": world.community.id, **UNIT}
    )

    html = followed(consoles["worker"], response)
    assert flashes(html) == ["已登记单位党组织「区委办党支部」"]
    assert "区委办党支部" in html and "13912345678" in html
    with app.app_context():
        assert db.session.query(UnitOrganisation).filter_by(name="区委办党支部").count() == 1


def test_a_unit_with_a_wrong_phone_number_is_refused_with_the_field_named(app, world, consoles):
    form = {"community_id": world.community.id, **UNIT, "contact_phone": "12345"}

    html = followed(consoles["worker"], submit(consoles["worker"], "/console/units", "/console/units", form))

    [message] = flashes(html)
    assert "contact_phone" in message and "11 位中国大陆手机号" in message
    with app.app_context():
        assert db.session.query(UnitOrganisation).count() == 0


def test_registering_the_same_unit_twice_is_a_message_not_an_error_page(world, consoles):
    _unit(world)

    response = submit(
        consoles["worker"], "/console/units", "/console/units", {"community_id": world.community.id, **UNIT}
    )

    assert flashes(followed(consoles["worker"], response)) == ["该社区已登记同名单位党组织"]


# -- practical matters ---------------------------------------------------------------------------


def test_a_grid_worker_lists_a_matter_with_its_owner_unit_and_deadline_through_the_form(world, consoles):
    unit = _unit(world)
    form = {"community_id": world.community.id, **MATTER, "owner_unit_id": unit["id"]}

    response = submit(consoles["worker"], "/console/matters", "/console/matters", form)

    assert re.fullmatch(r"/console/matters/\d+", response.headers["Location"])
    html = followed(consoles["worker"], response)
    assert flashes(html) == ["已新建实事项目「老旧小区加装电梯」"]
    assert "区委办党支部" in html and "2099-06-30" in html and "计划中" in html
    assert "老旧小区加装电梯" in page(consoles["worker"], "/console/matters")


def test_a_matter_past_its_deadline_and_not_done_is_marked_overdue_and_filtered(world, consoles):
    _matter(world, title="已逾期的实事", deadline="2020-01-01")
    done = _matter(world, title="已完成的实事", deadline="2020-01-01")
    world.worker.post(f"/api/v1/practical-matters/{done['id']}/notes", {"body": "已完工。", "status": "done"})
    _matter(world, title="未到期的实事")

    everything = page(consoles["worker"], "/console/matters")
    overdue_only = page(consoles["worker"], "/console/matters?overdue=true")

    assert everything.count('class="overdue"') == 1
    row = re.search(r'<tr class="overdue">.*?</tr>', everything, re.S).group(0)
    assert "已逾期的实事" in row and "已逾期" in row
    assert "已逾期的实事" in overdue_only
    assert "已完成的实事" not in overdue_only and "未到期的实事" not in overdue_only
    assert "已完成的实事" in page(consoles["worker"], "/console/matters?status=done")


def test_a_progress_note_is_appended_and_moves_the_status(world, consoles):
    matter = _matter(world)
    path = f"/console/matters/{matter['id']}"

    response = submit(
        consoles["worker"], path, f"{path}/notes", {"body": "已完成居民意见征集。", "status": "in_progress"}
    )
    html = followed(consoles["worker"], response)
    response = submit(consoles["worker"], path, f"{path}/notes", {"body": "设计方案已通过评审。"})
    html = followed(consoles["worker"], response)

    assert flashes(html) == ["已添加进展"]
    notes = re.search(r'<ol id="notes".*?</ol>', html, re.S).group(0)
    assert notes.index("已完成居民意见征集") < notes.index("设计方案已通过评审")
    assert '<dd id="matter-status">推进中</dd>' in html
    _, detail = world.resident.get(f"/api/v1/practical-matters/{matter['id']}")
    assert [note["body"] for note in detail["notes"]] == ["已完成居民意见征集。", "设计方案已通过评审。"]


def test_another_communitys_staff_neither_see_a_matter_nor_add_a_note_to_it(app, world, consoles):
    matter = _matter(world)
    path = f"/console/matters/{matter['id']}"
    outsider = consoles["jiefang_admin"]

    assert "老旧小区加装电梯" not in page(outsider, "/console/matters")
    assert outsider.get(path).status_code == 404
    token = csrf_token(page(outsider, "/console/matters"))
    response = outsider.post(
        f"{path}/notes",
        data={"csrf_token": token, "body": "越权的进展"},
        headers={"Referer": "http://localhost/console/matters"},
    )

    assert flashes(followed(outsider, response)) == ["未找到该实事项目"]
    with app.app_context():
        assert db.session.query(MatterNote).count() == 0


def test_a_note_without_text_is_refused_with_a_message(app, world, consoles):
    matter = _matter(world)
    path = f"/console/matters/{matter['id']}"

    html = followed(consoles["worker"], submit(consoles["worker"], path, f"{path}/notes", {"body": "   "}))

    assert "body" in flashes(html)[0]
    with app.app_context():
        assert db.session.query(MatterNote).count() == 0


# -- service posts -------------------------------------------------------------------------------


def _post(world, **overrides) -> dict:
    status, post = world.community_admin.post(
        "/api/v1/posts", {"community_id": world.community.id, **POST, **overrides}
    )
    assert status == 201, post
    return post


def test_a_grid_worker_sees_their_communitys_posts_with_places_held_and_the_short_ones(world, consoles):
    full = _post(world, title="政策宣传岗", kind="policy_promotion", capacity=1)
    assert world.member.post(f"/api/v1/posts/{full['id']}/holders")[0] == 201
    _post(world, title="环境卫生岗", capacity=3)

    html = page(consoles["worker"], "/console/posts")
    short_only = page(consoles["worker"], "/console/posts?short=true")

    assert "1/1" in html and "member" in html and "0/3" in html and "缺3人" in html
    assert "环境卫生岗" in short_only and "政策宣传岗" not in short_only
    assert 'id="create-post"' not in html, "a grid worker cannot define a post (the API refuses them)"


def test_a_grid_workers_post_form_is_refused_as_the_api_refuses_it(app, world, consoles):
    response = submit(
        consoles["worker"], "/console/posts", "/console/posts", {"community_id": world.community.id, **POST}
    )

    assert flashes(followed(consoles["worker"], response)) == ["只有该社区的网格员或管理员可以设岗"]
    assert world.worker.get("/api/v1/posts")[1]["items"] == []


def test_a_community_admin_defines_a_post_and_sees_the_communitys_shortage(world, consoles):
    admin = consoles["community_admin"]

    response = submit(admin, "/console/posts", "/console/posts", {"community_id": world.community.id, **POST})

    html = followed(admin, response)
    assert flashes(html) == ["已设立服务岗位「3号楼卫生岗」"]
    shortage = re.search(r'<table class="cards shortage">.*?</table>', html, re.S).group(0)
    assert '<td data-label="社区">红旗社区</td>' in shortage and '<td data-label="缺员">3</td>' in shortage


def test_another_communitys_staff_see_none_of_its_posts(world, consoles):
    _post(world)

    html = page(consoles["jiefang_admin"], "/console/posts")

    assert "3号楼卫生岗" not in html and "红旗社区" not in html


# -- pledges -------------------------------------------------------------------------------------


def test_a_grid_worker_assesses_a_pledge_kept_once_and_the_member_earns_the_points(world, consoles):
    pledge = _pledge(world.member)
    form = {"outcome": "kept", "note": "全年认领心愿十余个。"}
    action = f"/console/pledges/{pledge['id']}/assess"

    html = followed(consoles["worker"], submit(consoles["worker"], "/console/pledges", action, form))

    assert flashes(html) == ["已评定承诺：已践诺"]
    row = re.search(rf'<tr id="pledge-{pledge["id"]}">.*?</tr>', html, re.S).group(0)
    assert "已践诺" in row and "全年认领心愿十余个" in row and "<form" not in row
    assert world.member.get("/api/v1/me/points")[1]["balance"] == 20

    again = submit(consoles["worker"], "/console/pledges", action, {"outcome": "not_kept", "note": "再评一次"})
    assert flashes(followed(consoles["worker"], again)) == ["该承诺已评定"]
    assert world.member.get(f"/api/v1/pledges/{pledge['id']}")[1]["status"] == "kept"


def test_assessing_an_assessed_pledge_without_a_referring_page_answers_409_not_500(world, consoles):
    pledge = _pledge(world.member)
    world.worker.post(f"/api/v1/pledges/{pledge['id']}/assess", {"outcome": "kept", "note": "好"})
    token = csrf_token(page(consoles["worker"], "/console/pledges"))

    response = consoles["worker"].post(
        f"/console/pledges/{pledge['id']}/assess", data={"csrf_token": token, "outcome": "kept", "note": "好"}
    )

    assert response.status_code == 409
    assert "该承诺已评定" in response.get_data(as_text=True)


@pytest.mark.parametrize("outsider", ["other_worker", "jiefang_admin"])
def test_staff_outside_the_members_grid_see_no_pledge_and_cannot_assess_it(world, consoles, outsider):
    pledge = _pledge(world.member)
    client = consoles[outsider]

    assert PLEDGE not in page(client, "/console/pledges")
    response = submit(
        client, "/console/pledges", f"/console/pledges/{pledge['id']}/assess", {"outcome": "kept", "note": "好"}
    )

    assert flashes(followed(client, response)) == ["只有该网格的网格员或上级管理员可以评定承诺"]
    assert world.member.get(f"/api/v1/pledges/{pledge['id']}")[1]["status"] == "pending"


def test_the_pledges_page_lists_the_chosen_years_pledges_only(world, consoles):
    _pledge(world.member)
    year = clock.shanghai_today().year

    assert PLEDGE in page(consoles["worker"], f"/console/pledges?year={year}")
    assert PLEDGE in page(consoles["community_admin"], "/console/pledges?status=pending")
    assert PLEDGE not in page(consoles["worker"], f"/console/pledges?year={year - 1}")
    assert PLEDGE not in page(consoles["worker"], "/console/pledges?status=kept")


# -- every section -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/console/units", "/console/matters", "/console/posts", "/console/pledges"])
def test_each_section_is_in_the_menu_and_a_bad_filter_is_a_422_page_not_a_500(consoles, path):
    html = page(consoles["worker"], path)
    assert f'href="{path}" aria-current="page"' in html

    response = consoles["worker"].get(f"{path}?cursor=nonsense")

    assert response.status_code == 422
    assert "分页参数无效" in response.get_data(as_text=True)


def test_the_lists_are_cursor_paged(world, consoles, monkeypatch):
    monkeypatch.setattr("server.console.matters.PAGE_ROWS", 2)
    for n in range(3):
        _matter(world, title=f"实事{n}")

    first = page(consoles["worker"], "/console/matters")
    next_url = re.search(r'<p class="pager"><a href="([^"]+)">下一页</a>', first).group(1).replace("&amp;", "&")
    second = page(consoles["worker"], next_url)

    assert "实事2" in first and "实事1" in first and "实事0" not in first
    assert "实事0" in second and "实事2" not in second and 'class="pager"' not in second
