"""Issue 3's whole story against the fake WeChat over HTTP: log in, post (content checked once,
one retry after an expired token, stable_token fetched at most twice), and both the resident
and the claimer find the story in their inboxes and, where they accepted a template, as
subscribe messages."""

import pytest

from server.notifications import sender
from server.wechat import client as wechat_client
from server.wechat import tokens
from tests.conftest import act, login, post_wish

CHECK = "/wxa/msg_sec_check"
TOKEN = "/cgi-bin/stable_token"
PROGRESS, TASK = "dev-tpl-wish-progress", "dev-tpl-wish-task"


@pytest.mark.commits  # the replaced token is written on a connection of its own
def test_a_wish_story_reaches_both_inboxes_and_wechat_with_a_token_expiring_midway(app, client, world, fake_wechat):
    resident = login(client, "resident")
    assert resident.post("/api/v1/me/subscriptions", {"template_ids": [PROGRESS]})[0] == 200
    assert world.member.post("/api/v1/me/subscriptions", {"template_ids": [TASK]})[0] == 200

    with app.app_context():
        cached = tokens.get_token(wechat_client._fetch_stable_token)  # an earlier call cached it
    fake_wechat.app.expire_token()  # ... and its 2 hours run out just before the resident posts
    wish = post_wish(resident)

    assert fake_wechat.app.calls[CHECK] == 2  # refused token, then the one retry
    assert fake_wechat.app.calls[TOKEN] == 2  # the cached one, then its replacement
    assert fake_wechat.app.current_token != cached
    for who, action, body in [
        ("worker", "review", {"decision": "approve"}),
        ("member", "claim", None),
        ("member", "fulfil", {"note": "药已送到家中"}),
        ("resident", "confirm", {"stars": 5, "comment": "谢谢！"}),
        ("worker", "close", {"resolution": "completed"}),
    ]:
        act(world.clients[who], wish["id"], action, body)
    assert fake_wechat.app.calls[CHECK] == 4  # post (twice: the token), fulfil note, rating comment

    _, resident_inbox = resident.get("/api/v1/notifications")
    assert [item["title"] for item in resident_inbox["items"]] == [
        "心愿已关闭",
        "心愿已完成，请确认",
        "心愿已被认领",
        "心愿已通过审核",
    ]
    _, member_inbox = world.member.get("/api/v1/notifications")
    assert [item["title"] for item in member_inbox["items"]] == ["居民确认了您的服务"]
    assert "5星" in member_inbox["items"][0]["body"]

    with app.app_context():
        counts = sender.send_due()
    assert counts["sent"] == 2  # one credit each: the first progress message and the confirmation
    sent = {(message["touser"], message["template_id"]) for message in fake_wechat.app.sent_messages}
    assert sent == {("resident", PROGRESS), ("member", TASK)}
    assert fake_wechat.app.calls[TOKEN] <= 2
