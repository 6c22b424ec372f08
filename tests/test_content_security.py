"""What residents write passes the local banned words and WeChat's msg_sec_check before it is
stored; WeChat being down loses nothing, the wish waits for a person instead."""

import pytest
from sqlalchemy import func, select

from server.areas.models import Area
from server.core.extensions import db
from server.wishes.models import Wish
from tests.conftest import VALID_WISH, act, post_wish

CHECK = "/wxa/msg_sec_check"


def _wish_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Wish))


@pytest.fixture
def review_off(app, world):
    with app.app_context():
        db.session.get(Area, world.community.id).review_required = False
        db.session.commit()


def test_a_clean_post_is_checked_once_as_a_forum_post_and_opens_where_review_is_off(world, review_off, fake_wechat):
    wish = post_wish(world.resident)

    assert wish["status"] == "open"
    assert fake_wechat.app.calls[CHECK] == 1
    (sent,) = fake_wechat.app.text_checks
    assert sent["version"] == 2
    assert sent["scene"] == 3
    assert sent["openid"] == "resident"
    assert sent["title"] == VALID_WISH["title"]
    assert sent["content"] == VALID_WISH["description"]


def test_risky_text_is_refused_naming_the_fields_and_nothing_is_stored(app, world):
    status, body = world.resident.post("/api/v1/wishes", {**VALID_WISH, "description": "组织赌博，日结"})

    assert status == 422
    assert body["error"]["code"] == "content_risky"
    assert set(body["error"]["details"]) == {"title", "description"}
    assert _wish_count(app) == 0


def test_a_locally_banned_word_is_refused_without_asking_wechat(app, world, fake_wechat):
    status, body = world.resident.post("/api/v1/wishes", {**VALID_WISH, "description": "急需高利贷周转"})

    assert status == 422
    assert body["error"]["code"] == "content_risky"
    assert list(body["error"]["details"]) == ["description"]
    assert fake_wechat.app.calls[CHECK] == 0
    assert _wish_count(app) == 0


@pytest.mark.parametrize(
    "hidden",
    [
        "急需高\u200b利贷周转",
        "急需高 利 贷周转",
        "急需高\u3000利\u3000贷周转",
        "急需高-利-贷周转",
        "急需高\u202e利贷周转",
    ],
    ids=["zero-width-space", "spaces", "ideographic-spaces", "punctuation", "right-to-left-override"],
)
def test_a_banned_word_split_by_invisible_characters_spaces_or_punctuation_is_refused(app, world, fake_wechat, hidden):
    status, body = world.resident.post("/api/v1/wishes", {**VALID_WISH, "description": hidden})

    assert status == 422
    assert body["error"]["code"] == "content_risky"
    assert list(body["error"]["details"]) == ["description"]
    assert fake_wechat.app.calls[CHECK] == 0
    assert _wish_count(app) == 0


def test_texts_are_checked_and_stored_without_format_characters_and_in_nfkc(world, fake_wechat):
    wish = post_wish(
        world.resident,
        title="\u202e取药急用\u200b",
        description="药名ＡＢＣ１２３，共２盒！（急）\ufeff",
        address="解放路１２号\u200d",
    )

    assert wish["title"] == "取药急用"
    # Letters and digits made plain; the full-width punctuation Chinese is written with stays.
    assert wish["description"] == "药名ABC123，共2盒！（急）"
    assert wish["address"] == "解放路12号"
    (sent,) = fake_wechat.app.text_checks
    assert (sent["title"], sent["content"]) == (wish["title"], wish["description"])
    _, again = world.resident.get(f"/api/v1/wishes/{wish['id']}")
    assert (again["title"], again["description"]) == (wish["title"], wish["description"])


def test_a_title_of_invisible_characters_only_is_refused_as_empty(app, world):
    status, body = world.resident.post("/api/v1/wishes", {**VALID_WISH, "title": "\u200b\u202e\u2060"})

    assert status == 422
    assert "title" in body["error"]["details"]
    assert _wish_count(app) == 0


def test_an_emoji_sequence_keeps_its_joiners(world):
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"

    wish = post_wish(world.resident, title=f"陪孩子写作业{family}")

    assert wish["title"] == f"陪孩子写作业{family}"


def test_a_nickname_loses_its_right_to_left_override(world):
    response = world.resident.client.patch(
        "/api/v1/me", json={"nickname": "\u202e王阿姨"}, headers=world.resident._headers(None)
    )

    assert response.status_code == 200
    assert response.get_json()["nickname"] == "王阿姨"


def test_the_old_risky_errcode_87014_also_refuses(app, world, fake_wechat):
    fake_wechat.app.fail_next(CHECK, 87014)
    status, body = world.resident.post("/api/v1/wishes", VALID_WISH)
    assert status == 422
    assert body["error"]["code"] == "content_risky"
    assert _wish_count(app) == 0


def test_a_review_verdict_holds_the_wish_for_review_even_where_review_is_off(world, review_off):
    wish = post_wish(world.resident, description="有意者加微信详谈")
    assert wish["status"] == "pending_review"


@pytest.mark.parametrize(
    "fault",
    [
        {"errcode": -1},
        {"errcode": 45009},
        {"errcode": 61010},
        {"http_status": 502},
        {"delay": 1.5},
    ],
    ids=["busy", "daily-quota", "openid-not-recent", "html-error-page", "slower-than-timeout"],
)
def test_when_wechat_cannot_check_the_post_is_kept_for_a_person_to_review(app, world, review_off, fake_wechat, fault):
    original_timeout = app.config["WECHAT_READ_TIMEOUT_SECONDS"]
    app.config["WECHAT_READ_TIMEOUT_SECONDS"] = 0.5
    try:
        fake_wechat.app.fail_next(CHECK, **fault)
        status, wish = world.resident.post("/api/v1/wishes", VALID_WISH)
    finally:
        app.config["WECHAT_READ_TIMEOUT_SECONDS"] = original_timeout

    assert status == 201
    assert wish["status"] == "pending_review"
    assert wish["title"] == VALID_WISH["title"]
    assert wish["description"] == VALID_WISH["description"]


@pytest.mark.commits  # the replaced token is written on a connection of its own
def test_an_expired_access_token_costs_one_fetch_and_one_retry(world, fake_wechat):
    post_wish(world.resident)  # warms the shared token
    fetches_before = fake_wechat.app.calls["/cgi-bin/stable_token"]
    checks_before = fake_wechat.app.calls[CHECK]
    fake_wechat.app.expire_token()

    wish = post_wish(world.resident)

    assert wish["status"] == "pending_review"
    assert fake_wechat.app.calls["/cgi-bin/stable_token"] == fetches_before + 1
    assert fake_wechat.app.calls[CHECK] == checks_before + 2


@pytest.mark.commits  # the replaced token is written on a connection of its own
def test_a_token_refused_twice_fails_the_check_instead_of_retrying_forever(app, world, fake_wechat, review_off):
    post_wish(world.resident)
    checks_before = fake_wechat.app.calls[CHECK]
    fake_wechat.app.fail_next(CHECK, 40001, times=5)

    wish = post_wish(world.resident)

    assert fake_wechat.app.calls[CHECK] == checks_before + 2
    assert wish["status"] == "pending_review"


@pytest.mark.parametrize(
    ("status", "who", "action", "body", "field"),
    [
        ("claimed", "member", "fulfil", {"note": "已办好，另外出售代开发票"}, "note"),
        ("fulfilled", "resident", "confirm", {"stars": 5, "comment": "谢谢，顺便问问赌博的事"}, "comment"),
        ("fulfilled", "resident", "dispute", {"reason": "他拉我去赌博"}, "reason"),
    ],
)
def test_risky_notes_comments_and_reasons_are_refused_and_change_nothing(
    world, wish_in, status, who, action, body, field
):
    wish = wish_in(status)

    answer = act(world.clients[who], wish["id"], action, body, expect=422)

    assert answer["error"]["code"] == "content_risky"
    assert field in answer["error"]["details"]
    _, again = world.resident.get(f"/api/v1/wishes/{wish['id']}")
    assert again["status"] == status
    assert len(again["timeline"]) == len(wish["timeline"])


def test_a_fulfil_note_is_kept_when_wechat_is_down(world, wish_in, fake_wechat):
    wish = wish_in("claimed")
    fake_wechat.app.fail_next(CHECK, -1)
    done = act(world.member, wish["id"], "fulfil", {"note": "药已送到"})
    assert done["status"] == "fulfilled"
    assert done["fulfil_note"] == "药已送到"
