"""The volunteer certificate (志愿服务证明) as anyone opening its link sees it, in real Chromium:
the masked name, the hours and the issuing community, that it is valid, and that a link altered
by one character is refused. No outside asset is loaded, and the page's own Content-Security-
Policy refuses nothing it needs."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from tests.activities import credit

THREE_WEEKS_AGO = datetime.now(UTC) - timedelta(days=21)


def _text(dom: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', dom, re.S)
    assert match, f"no #{element_id} in the rendered page:\n{dom[:2000]}"
    return match.group(1).strip()


def test_a_certificate_link_opens_in_chromium_showing_the_masked_name_hours_and_community(
    world, live_server, chromium, monkeypatch
):
    credit(monkeypatch, world.worker, [world.member], THREE_WEEKS_AGO, hours=1.5, area_id=world.grid.id)
    status, record = world.member.get("/api/v1/me/volunteer-record")
    assert status == 200, record
    link = live_server + urlsplit(record["certificate_url"]).path

    page = chromium(link)

    assert _text(page.dom, "hours") == "1.5 小时"
    assert _text(page.dom, "community") == "红旗社区"
    assert "member" not in _text(page.dom, "name"), "the name is masked"
    assert "一致" in _text(page.dom, "status")
    assert "Content Security Policy" not in page.console, page.console
    assert not re.search(r"https?://(?!127\.0\.0\.1)", page.dom), "the page refers to an outside host"


def test_a_certificate_link_altered_by_one_character_is_refused_in_chromium(world, live_server, chromium, monkeypatch):
    credit(monkeypatch, world.worker, [world.member], THREE_WEEKS_AGO, area_id=world.grid.id)
    _, record = world.member.get("/api/v1/me/volunteer-record")
    path = urlsplit(record["certificate_url"]).path
    # A character inside the signature: the last one of base64 carries two padding bits a
    # decoder drops, so changing it alone may leave the same signature (and did, 1 run in ~30).
    at = len(path) - 10
    altered = path[:at] + ("A" if path[at] != "A" else "B") + path[at + 1 :]

    page = chromium(live_server + altered)

    assert "不是有效的志愿服务证明" in _text(page.dom, "status")
    assert 'id="hours"' not in page.dom
