"""Every view of a resident's unmasked phone and address is recorded — who, whose, which wish,
when, why — and shown to admins (issue 15, PIPL art. 51): the console's, where the staff
member gives a reason, and the mini-program's, which answers those involved at once and
records the viewer's part in the wish as the reason. The owner reading their own is no view."""

import re

from sqlalchemy import select

from server.core.extensions import db
from server.wishes.models import ContactView
from tests.conftest import act, post_wish
from tests.console import signed_in


def _views(app, wish_id: int) -> list[tuple[int, int, str]]:
    with app.app_context():
        rows = db.session.scalars(select(ContactView).where(ContactView.wish_id == wish_id).order_by(ContactView.id))
        return [(row.viewer_id, row.subject_id, row.reason) for row in rows]


def test_the_claimer_reading_the_wish_they_do_is_recorded_as_the_claimers_view(app, world):
    wish = post_wish(world.resident, contact_phone="13912345678")
    approved = act(world.worker, wish["id"], "review", {"decision": "approve"})
    claimed = act(world.member, wish["id"], "claim")
    assert approved["contact_phone"] == claimed["contact_phone"] == "13912345678"

    status, body = world.member.get(f"/api/v1/wishes/{wish['id']}")

    assert status == 200 and body["contact_phone"] == "13912345678"
    member, resident, worker = world.user_id("member"), world.user_id("resident"), world.user_id("worker")
    assert _views(app, wish["id"]) == [
        (worker, resident, "grid_staff"),  # the approval's answer
        (member, resident, "claimer"),  # the claim's answer
        (member, resident, "claimer"),  # the read
    ]


def test_a_grid_workers_read_in_the_mini_program_is_recorded_as_grid_work(app, world):
    wish = post_wish(world.resident)

    status, body = world.worker.get(f"/api/v1/wishes/{wish['id']}")

    assert status == 200 and body["contact_phone"] == "13812341234"
    assert _views(app, wish["id"]) == [(world.user_id("worker"), world.user_id("resident"), "grid_staff")]


def test_masked_answers_and_the_owners_own_reads_record_nothing(app, world, wish_in):
    wish = wish_in("open")
    approval = _views(app, wish["id"])
    assert world.resident.get(f"/api/v1/wishes/{wish['id']}")[1]["contact_phone"] == "13812341234"
    status, body = world.neighbour.get(f"/api/v1/wishes/{wish['id']}")
    assert status == 200 and body["contact_phone"] == "138****1234"
    assert world.neighbour.get("/api/v1/wishes", status="open", grid_id=world.grid.id)[0] == 200

    assert _views(app, wish["id"]) == approval == [(world.user_id("worker"), world.user_id("resident"), "grid_staff")]


def test_an_admin_sees_every_view_in_their_subtree_with_who_whose_when_and_why(app, world, wish_in):
    wish = wish_in("claimed", title="帮忙取药")  # approved by the worker, claimed by the member
    world.worker.get(f"/api/v1/wishes/{wish['id']}")
    admin = signed_in(app, world, "community_admin")

    response = admin.get("/console/admin/contact-views")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = html.split('id="contact-views"')[1].split("</table>")[0]
    assert rows.count("帮忙取药") == 3
    assert rows.count("网格工作人员处理") == 2 and rows.count("认领人办理心愿") == 1
    assert "13812341234" not in html and "138****1234" not in html, "the record names people, not numbers"
    reasons = [reason for reason in re.findall(r"网格工作人员处理|认领人办理心愿", rows)]
    assert reasons == ["网格工作人员处理", "认领人办理心愿", "网格工作人员处理"], "newest first"


def test_a_grid_worker_cannot_open_the_record_of_views(app, world):
    worker = signed_in(app, world, "worker")

    response = worker.get("/console/admin/contact-views")

    assert response.status_code == 403
    assert "查看记录" not in worker.get("/console/").get_data(as_text=True), "nor is it in their menu"


def test_the_admin_of_another_community_does_not_see_its_views_and_the_district_admin_does(app, world):
    wish = post_wish(world.resident, grid_id=world.other_community_grid.id, title="解放社区的心愿")
    status, body = world.district_admin.get(f"/api/v1/wishes/{wish['id']}")
    assert status == 200 and body["contact_phone"] == "13812341234"

    community_page = signed_in(app, world, "community_admin").get("/console/admin/contact-views")
    district_page = signed_in(app, world, "district_admin").get("/console/admin/contact-views")

    assert "解放社区的心愿" not in community_page.get_data(as_text=True)
    assert "解放社区的心愿" in district_page.get_data(as_text=True)
