"""Service posts (设岗定责): staff define them, verified party members of the community take
one each and step down, residents see the holders, staff see where places are short."""

import pytest

from tests.conftest import login

POST = {
    "kind": "sanitation",
    "title": "楼院环境卫生岗",
    "duties": "每周两次清理楼道杂物，劝导垃圾分类。",
    "capacity": 2,
}


def _create(world, **overrides):
    status, body = world.community_admin.post(
        "/api/v1/posts", {"community_id": world.community.id, **POST, **overrides}
    )
    assert status == 201, body
    return body


def _take(api, post_id, **body):
    return api.post(f"/api/v1/posts/{post_id}/holders", body or None)


def _delete(api, path):
    response = api.client.delete(path, headers={"Authorization": f"Bearer {api.token}"})
    return response.status_code, response.get_json(silent=True)


def test_a_community_admin_defines_a_post_that_shows_its_kind_and_places_short(world):
    post = _create(world)
    assert (post["kind"], post["kind_name"], post["title"]) == ("sanitation", "环境卫生岗", "楼院环境卫生岗")
    assert (post["capacity"], post["held"], post["short"], post["holders"]) == (2, 0, 2, [])
    assert post["community_id"] == world.community.id and post["community_name"] == "红旗社区"


@pytest.mark.parametrize("who", ["worker", "jiefang_admin", "member", "resident"])
def test_only_staff_of_the_community_define_its_posts(world, who):
    status, body = world.clients[who].post("/api/v1/posts", {"community_id": world.community.id, **POST})
    assert (status, body["error"]["code"]) == (403, "forbidden")


def test_a_post_is_defined_on_a_community_not_a_grid(world):
    status, body = world.district_admin.post("/api/v1/posts", {"community_id": world.grid.id, **POST})
    assert status == 422 and "community_id" in body["error"]["details"]


def test_risky_duties_are_refused_and_no_post_is_made(world):
    status, body = world.community_admin.post(
        "/api/v1/posts", {"community_id": world.community.id, **POST, "duties": "帮居民办理高利贷"}
    )
    assert (status, body["error"]["code"], list(body["error"]["details"])) == (422, "content_risky", ["duties"])
    assert world.resident.get("/api/v1/posts")[1]["items"] == []


def test_a_verified_member_takes_a_post_and_residents_see_their_nickname(world):
    post = _create(world)
    status, holder = _take(world.member, post["id"])
    assert status == 201, holder
    assert (holder["post_id"], holder["user_id"], holder["appointed_by"]) == (post["id"], world.user_id("member"), None)

    status, page = world.resident.get("/api/v1/posts")
    assert status == 200
    [shown] = page["items"]
    assert [person["nickname"] for person in shown["holders"]] == ["member"]
    assert (shown["held"], shown["short"]) == (1, 1)


@pytest.mark.parametrize("who", ["pending_member", "resident"])
def test_only_verified_party_members_take_a_post(world, who):
    post = _create(world)
    status, body = _take(world.clients[who], post["id"])
    assert (status, body["error"]["code"]) == (403, "not_verified_party_member")
    assert world.resident.get(f"/api/v1/posts/{post['id']}")[1]["held"] == 0


def test_a_member_living_in_another_community_cannot_take_its_post(world, factory, client):
    factory.user(
        "jiefang_member", home_grid_id=world.other_community_grid.id, party_member=world.other_community_grid.id
    )
    post = _create(world)
    status, body = _take(login(client, "jiefang_member"), post["id"])
    assert (status, body["error"]["code"]) == (403, "not_in_community")


def test_a_member_holds_at_most_one_post_per_community(world):
    first, second = _create(world), _create(world, kind="civility", title="文明劝导岗")
    assert _take(world.member, first["id"])[0] == 201
    status, body = _take(world.member, second["id"])
    assert (status, body["error"]["code"]) == (409, "already_holding_post")
    assert world.resident.get(f"/api/v1/posts/{second['id']}")[1]["held"] == 0


def test_a_post_with_as_many_holders_as_it_needs_refuses_more(world):
    post = _create(world, capacity=1)
    assert _take(world.member, post["id"])[0] == 201
    status, body = _take(world.member2, post["id"])
    assert (status, body["error"]["code"], body["error"]["details"]) == (409, "post_full", {"capacity": 1})
    # The refused take left nothing behind: member2 may take another post of the community.
    other = _create(world, kind="mediation", title="矛盾调解岗")
    assert _take(world.member2, other["id"])[0] == 201


def test_stepping_down_frees_the_place_for_someone_else(world):
    post = _create(world, capacity=1)
    _take(world.member, post["id"])
    status, _ = _delete(world.member, f"/api/v1/posts/{post['id']}/holders/{world.user_id('member')}")
    assert status == 204
    assert _take(world.member2, post["id"])[0] == 201
    assert [p["id"] for p in world.resident.get(f"/api/v1/posts/{post['id']}")[1]["holders"]] == [
        world.user_id("member2")
    ]


def test_no_one_but_the_holder_or_the_staff_takes_a_holder_off(world):
    post = _create(world)
    _take(world.member, post["id"])
    path = f"/api/v1/posts/{post['id']}/holders/{world.user_id('member')}"
    assert _delete(world.member2, path)[0] == 403
    assert _delete(world.community_admin, path)[0] == 204
    assert _delete(world.community_admin, path)[1]["error"]["code"] == "not_holding_post"


def test_staff_appoint_a_verified_member_who_is_told(world):
    post = _create(world)
    status, holder = _take(world.community_admin, post["id"], member_id=world.user_id("member2"))
    assert status == 201
    assert holder["appointed_by"] == world.user_id("community_admin")
    inbox = world.member2.get("/api/v1/notifications")[1]["items"]
    assert [(n["kind"], n["title"]) for n in inbox] == [("post_appointed", "您已上岗")]


def test_staff_cannot_appoint_an_unverified_member_and_members_cannot_appoint(world):
    post = _create(world)
    status, body = _take(world.community_admin, post["id"], member_id=world.user_id("pending_member"))
    assert status == 422 and "member_id" in body["error"]["details"]
    assert _take(world.member, post["id"], member_id=world.user_id("member2"))[0] == 403


def test_the_list_filters_posts_with_places_free_and_pages_with_a_cursor(world):
    full = _create(world, capacity=1, title="满员岗")
    free = [_create(world, title=f"岗位{n}") for n in range(3)]
    _take(world.member, full["id"])
    status, page = world.community_admin.get("/api/v1/posts", area_id=world.community.id, short="true", limit=2)
    assert status == 200
    assert [p["id"] for p in page["items"]] == [free[2]["id"], free[1]["id"]]
    status, rest = world.community_admin.get(
        "/api/v1/posts", area_id=world.community.id, short="true", limit=2, cursor=page["next_cursor"]
    )
    assert ([p["id"] for p in rest["items"]], rest["next_cursor"]) == ([free[0]["id"]], None)


def test_staff_see_places_short_per_community_of_their_subtree(world):
    _create(world, capacity=3)
    full = _create(world, capacity=1, kind="civility", title="文明劝导岗")
    _take(world.member, full["id"])
    status, body = world.district_admin.get("/api/v1/posts/shortage", area_id=world.district.id)
    assert status == 200
    assert body["items"] == [
        {
            "community_id": world.community.id,
            "community_name": "红旗社区",
            "posts": 2,
            "needed": 4,
            "held": 1,
            "short": 3,
            "posts_short": 1,
        }
    ]
    assert world.resident.get("/api/v1/posts/shortage", area_id=world.community.id)[0] == 403
    assert world.jiefang_admin.get("/api/v1/posts/shortage", area_id=world.community.id)[0] == 403


def test_the_kinds_come_with_their_chinese_names(world):
    status, body = world.resident.get("/api/v1/posts/kinds")
    names = {item["kind"]: item["name"] for item in body["items"]}
    assert status == 200
    assert {"政策宣传岗", "环境卫生岗", "邻里守望岗", "文明劝导岗"} <= set(names.values())


def test_a_take_retried_with_its_idempotency_key_replays_the_place_taken(world):
    post = _create(world)
    headers = {"Idempotency-Key": "take-1"}
    first = world.member.post(f"/api/v1/posts/{post['id']}/holders", None, headers=headers)
    again = world.member.post(f"/api/v1/posts/{post['id']}/holders", None, headers=headers)
    assert first == again and first[0] == 201
    assert world.resident.get(f"/api/v1/posts/{post['id']}")[1]["held"] == 1
