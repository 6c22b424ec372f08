"""Who may do what, for every operation of the served OpenAPI document (issue 15, OWASP API1,
API3, API5 2023): each operation × eleven actors, with the actors that get a 2xx written down
in EXPECTED below. An operation the document serves that is in neither EXPECTED nor
NOT_YET_COVERED fails, so a new endpoint cannot escape the matrix; a row naming no served
operation fails too.

Every other cell must answer 401 (anonymous) or 403/404 — never 2xx, never 500, never a
409/422 that hides a missing right behind a state check. No body to an actor not entitled
carries the wish's unmasked phone or address, and nothing answered to the admin of another
district carries an object of the first district that is not in the public pool.

The matrix (printed by the tests): 98 operations served, 93 covered × 11 actors = 1,023 cells,
5 not yet covered (NOT_YET_COVERED); the console's 29 pages × 5 actors = 145 cells.
"""

import pytest

from tests.role_matrix.cast import ACTORS, ADDRESS, BOUND_PHONE, PHONE, PRIVATE, UNIT_PHONE, cast, matter
from tests.role_matrix.routes import photo_of_claimed_wish, setup_for

LOGGED_IN = frozenset(ACTORS) - {"anonymous"}
EVERYONE = frozenset(ACTORS)
# Staff of the wish's grid: its grid worker and the admin of its community.
GRID_STAFF = frozenset({"worker", "community_admin"})
# A community's store is run by its admins and by the grid workers of its grids.
STORE_STAFF = frozenset({"worker", "other_worker", "community_admin"})
VERIFIED = frozenset({"member", "claimer"})
# People whose home grid lies in the first community (the store's and the notices' readers).
COMMUNITY_RESIDENTS = LOGGED_IN - {"stranger", "foreign_admin"}
GRID_RESIDENTS = COMMUNITY_RESIDENTS - {"other_worker"}
# Who is entitled to a wish's address and phone: those involved (docs/wish-visibility.md).
INVOLVED = frozenset({"owner", "claimer", "worker", "community_admin"})
# What a person holds about themselves, their own phone unmasked (PIPL art. 45).
OWN_DATA = {"GET /api/v1/me/export"}
# A 2xx to these makes the actor involved in the wish answered: they hold its claim now.
BECOMES_INVOLVED = {"POST /api/v1/wishes/{wish_id}/claim"}

# operation -> the actors that get a 2xx. The object each cell acts on is made by
# tests/role_matrix/routes.py: a wish of the owner's in the grid, claimed by the claimer; an
# activity of the grid's worker; a reward of the community's store; a redemption of the owner's;
# a notice to the grid.
EXPECTED = {
    "GET /healthz": EVERYONE,
    "GET /livez": EVERYONE,
    "GET /api/v1/privacy": EVERYONE,
    "GET /api/v1/me": LOGGED_IN,
    "GET /api/v1/me/points": LOGGED_IN,
    "GET /api/v1/me/export": LOGGED_IN,
    "GET /api/v1/me/volunteer-record": LOGGED_IN,
    "GET /api/v1/me/subscriptions": LOGGED_IN,
    "GET /api/v1/me/party-membership": LOGGED_IN,
    "GET /api/v1/notifications": LOGGED_IN,
    "GET /api/v1/leaderboard": LOGGED_IN,
    "GET /api/v1/stats/overview": LOGGED_IN,
    # -- wishes (DESIGN §3)
    "POST /api/v1/wishes": LOGGED_IN,
    "GET /api/v1/wishes": LOGGED_IN,
    "GET /api/v1/wishes/{wish_id}": INVOLVED,  # a claimed wish
    "POST /api/v1/wishes/{wish_id}/review": GRID_STAFF,
    "POST /api/v1/wishes/{wish_id}/cancel": {"owner"},
    "POST /api/v1/wishes/{wish_id}/claim": VERIFIED,
    "POST /api/v1/wishes/{wish_id}/assign": GRID_STAFF,
    "POST /api/v1/wishes/{wish_id}/release": {"claimer", *GRID_STAFF},
    "POST /api/v1/wishes/{wish_id}/fulfil": {"claimer"},
    "POST /api/v1/wishes/{wish_id}/confirm": {"owner"},
    "POST /api/v1/wishes/{wish_id}/dispute": {"owner"},
    "POST /api/v1/wishes/{wish_id}/resolve": GRID_STAFF,
    "POST /api/v1/wishes/{wish_id}/close": GRID_STAFF,
    # -- volunteer activities
    "POST /api/v1/activities": GRID_STAFF,
    "GET /api/v1/activities": LOGGED_IN,
    "GET /api/v1/activities/{activity_id}": LOGGED_IN,
    "POST /api/v1/activities/{activity_id}/signup": VERIFIED,
    "DELETE /api/v1/activities/{activity_id}/signup": {"member"},  # the member signed up
    "POST /api/v1/activities/{activity_id}/checkin": {"member"},
    "POST /api/v1/activities/{activity_id}/complete": GRID_STAFF,
    # -- the points store
    "GET /api/v1/rewards": LOGGED_IN,
    "POST /api/v1/rewards": STORE_STAFF,
    "GET /api/v1/rewards/{reward_id}": LOGGED_IN,
    "PATCH /api/v1/rewards/{reward_id}": STORE_STAFF,
    "POST /api/v1/rewards/{reward_id}/restock": STORE_STAFF,
    "POST /api/v1/rewards/{reward_id}/withdraw": STORE_STAFF,
    "POST /api/v1/rewards/{reward_id}/redeem": COMMUNITY_RESIDENTS,
    "POST /api/v1/redemptions/{redemption_id}/verify": STORE_STAFF,
    "POST /api/v1/redemptions/{redemption_id}/cancel": {"owner", *STORE_STAFF},
    "GET /api/v1/me/redemptions": LOGGED_IN,
    "GET /api/v1/redemptions": {*STORE_STAFF, "foreign_admin"},  # the foreign admin's own district: none
    # -- announcements
    "POST /api/v1/announcements": GRID_STAFF,
    "GET /api/v1/announcements": LOGGED_IN,
    "GET /api/v1/announcements/{announcement_id}": GRID_RESIDENTS,
    "DELETE /api/v1/announcements/{announcement_id}": GRID_STAFF,
    "POST /api/v1/announcements/{announcement_id}/read": GRID_RESIDENTS,
    # -- admin routes: the community's admin, for nodes of their community
    "GET /api/v1/admin/jobs": {"community_admin", "foreign_admin"},  # every admin: the scheduler's state
    "POST /api/v1/admin/areas": {"community_admin"},
    "PATCH /api/v1/admin/areas/{area_id}": {"community_admin"},
    "POST /api/v1/admin/areas/{area_id}/retire": {"community_admin"},
    "POST /api/v1/admin/grants": {"community_admin"},
    # A district's sheet: the other district's admin, into their own (no admin of the first district here).
    "POST /api/v1/admin/areas/import": {"foreign_admin"},
    "DELETE /api/v1/admin/grants/{grant_id}": {"community_admin"},
    "GET /api/v1/admin/areas/{area_id}/rules": {"community_admin"},
    "PUT /api/v1/admin/areas/{area_id}/rules": {"community_admin"},
    "PUT /api/v1/admin/users/{user_id}/console-credential": {"community_admin"},
    # -- party membership: anyone may apply; the staff of the applicant's grid decide
    "POST /api/v1/me/party-membership": LOGGED_IN - VERIFIED,
    "GET /api/v1/party-memberships": {*STORE_STAFF, "foreign_admin"},  # staff, each of their own scope
    "POST /api/v1/party-memberships/{application_id}/review": GRID_STAFF,
    # -- unit organisations and practical matters (a community's)
    "POST /api/v1/unit-organisations": STORE_STAFF,
    "GET /api/v1/unit-organisations": LOGGED_IN,
    "GET /api/v1/unit-organisations/figures": {*STORE_STAFF, "foreign_admin"},
    "GET /api/v1/unit-organisations/{unit_id}": LOGGED_IN,
    "POST /api/v1/practical-matters": STORE_STAFF,
    "GET /api/v1/practical-matters": LOGGED_IN,
    "GET /api/v1/practical-matters/{matter_id}": COMMUNITY_RESIDENTS,
    "POST /api/v1/practical-matters/{matter_id}/notes": STORE_STAFF,
    "POST /api/v1/practical-matters/{matter_id}/follow": COMMUNITY_RESIDENTS,
    "DELETE /api/v1/practical-matters/{matter_id}/follow": COMMUNITY_RESIDENTS,
    # -- service posts and pledges
    # A post is the community's: its admin (a grid worker's scope is a grid, not the community).
    "POST /api/v1/posts": {"community_admin"},
    "GET /api/v1/posts": LOGGED_IN,
    "GET /api/v1/posts/kinds": LOGGED_IN,
    "GET /api/v1/posts/shortage": {"community_admin"},  # of the community
    "GET /api/v1/posts/{post_id}": LOGGED_IN,
    "POST /api/v1/posts/{post_id}/holders": VERIFIED,
    "DELETE /api/v1/posts/{post_id}/holders/{member_id}": {"member", "community_admin"},  # the member holds it
    "POST /api/v1/pledges": VERIFIED,
    "GET /api/v1/pledges": LOGGED_IN,
    "GET /api/v1/pledges/{pledge_id}": LOGGED_IN,
    "PATCH /api/v1/pledges/{pledge_id}": {"member"},
    "POST /api/v1/pledges/{pledge_id}/assess": GRID_STAFF,
    # -- areas, the inbox, the person's own settings
    "GET /api/v1/areas": LOGGED_IN,
    "POST /api/v1/notifications/read": LOGGED_IN,
    "POST /api/v1/me/subscriptions": LOGGED_IN,
    "PATCH /api/v1/me": LOGGED_IN,
    "POST /api/v1/auth/login": EVERYONE,  # a WeChat code, whatever token comes with it
    "POST /api/v1/me/phone": LOGGED_IN,  # answered masked, even to its owner (BOUND_PHONE)
    # -- photos: anyone may upload; a wish's photo for those who may view the wish
    "POST /api/v1/uploads": LOGGED_IN,
    "GET /api/v1/uploads/{upload_id}": INVOLVED,  # on a claimed wish
    # Last, each with a token of its own (tests/role_matrix/routes.py): they end the person's
    # session, then the person.
    "POST /api/v1/auth/logout": LOGGED_IN,
    # Refused (409) while the person holds an open claim or has a wish in progress: the owner's
    # wishes and the claims the member and the claimer took in the cells above.
    "DELETE /api/v1/me": LOGGED_IN - {"owner", "member", "claimer"},
}

# Served, not yet in the matrix (printed by the test), and why.
NOT_YET_COVERED = {
    # Drawn and kept on a connection of its own: needs a committing database (the `commits`
    # mark); tests/test_grid_qrcode.py checks who may fetch it. Binding a home grid scans one.
    "GET /api/v1/areas/{area_id}/qrcode",
    "POST /api/v1/me/home-grid",
    # No bearer token: a signed link the WeChat content check fetches (tests/test_uploads.py).
    "GET /media/{token}",
    # WeChat's servers calling, signed with the push token (tests/test_wechat_push.py).
    "GET /wechat/push",
    "POST /wechat/push",
}

# Cells answered 409/422 that are not a permission hidden behind a state check:
# (operation, actor) -> why.
KNOWN_STATE_BEFORE_PERMISSION = {
    # Not a missing right: a verified member applying again hears "already verified" (409).
    ("POST /api/v1/me/party-membership", "member"): "already verified",
    ("POST /api/v1/me/party-membership", "claimer"): "already verified",
    # They administer the node the import defaults to (their community), checked first; the
    # sheet's rows go under a district only, so the target is refused after the right.
    ("POST /api/v1/admin/areas/import", "community_admin"): "their own node is not a district",
    # Their own erasure, refused while a wish of theirs is under way (issue 15): a state of theirs.
    ("DELETE /api/v1/me", "owner"): "a wish of theirs in progress",
    ("DELETE /api/v1/me", "member"): "holds an open claim",
    ("DELETE /api/v1/me", "claimer"): "holds an open claim",
}

_METHODS = {"get", "post", "put", "patch", "delete"}


def served_operations(client) -> set[str]:
    document = client.get("/api/v1/openapi.json").get_json()
    return {
        f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item if method in _METHODS
    }


def test_every_served_operation_is_in_the_role_matrix(client):
    served = served_operations(client)
    assert not EXPECTED.keys() & NOT_YET_COVERED, "an operation both covered and not yet covered"
    listed = EXPECTED.keys() | NOT_YET_COVERED
    assert not served - listed, f"operations missing from the role matrix: {sorted(served - listed)}"
    assert not listed - served, f"rows naming no served operation: {sorted(listed - served)}"
    print(f"\nrole matrix: {len(served)} operations served, {len(EXPECTED)} covered, not yet covered:")
    for operation in sorted(NOT_YET_COVERED):
        print(f"  {operation}")


def _call(client, operation: str, params: dict, body, token):
    method, path = operation.split(" ", 1)
    query = params.pop("_query", None)
    multipart = params.pop("_multipart", None)
    for name, value in params.items():
        path = path.replace(f"{{{name}}}", str(value))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    kwargs = {"json": body} if body is not None else {}
    if query:
        kwargs["query_string"] = query
    if multipart:
        kwargs = {"data": multipart, "content_type": "multipart/form-data"}
    return client.open(path, method=method, headers=headers, **kwargs)


def _refusal_problem(actor: str, status: int) -> str | None:
    if actor == "anonymous":
        return None if status == 401 else "anonymous should hear 401"
    if status in (403, 404):
        return None
    if status in (409, 422):
        return "state or validation checked before the right (409/422 to someone without it)"
    return "should be refused with 403 or 404"


@pytest.fixture
def matrix_cast(app, client, world, factory, monkeypatch):
    # The claimer holds the claim of every wish the cells walk past `claimed`.
    monkeypatch.setitem(app.config, "CLAIMS_HELD_MAX", 1_000_000)
    return cast(app, client, world, factory)


def test_each_actor_gets_a_2xx_exactly_where_the_role_matrix_says(app, client, matrix_cast):
    # Objects of the first district outside the public pool, for the lists and statistics to show or hide.
    for status in ("pending_review", "claimed", "fulfilled", "closed"):
        matrix_cast.wish(status)
    matrix_cast.activity()
    redemption_code = matrix_cast.redemption()["code"]
    matrix_cast.announcement()
    setup_for("POST /api/v1/party-memberships/{application_id}/review")(matrix_cast, "background")

    problems, cells, unmasked_to_entitled = [], 0, 0
    for operation, allowed in EXPECTED.items():
        for actor in ACTORS:
            params, body = setup_for(operation)(matrix_cast, actor)
            token = matrix_cast.fresh_token(actor) if params.pop("_fresh_token", False) else matrix_cast.tokens[actor]
            response = _call(client, operation, params, body, token)
            cells += 1
            status, text = response.status_code, response.get_data().decode(errors="replace")  # photos too
            where = f"{operation} as {actor}: {status}"
            if actor in allowed:
                if not 200 <= status < 300:
                    problems.append(f"{where}, expected 2xx: {text[:200]}")
            elif 200 <= status < 300:
                problems.append(f"{where}, expected a refusal (leak): {text[:200]}")
            elif (problem := _refusal_problem(actor, status)) and (operation, actor) not in (
                KNOWN_STATE_BEFORE_PERMISSION
            ):
                problems.append(f"{where}, {problem}: {text[:200]}")
            entitled = actor in INVOLVED or (operation in BECOMES_INVOLVED and 200 <= status < 300)
            if UNIT_PHONE in text and actor not in STORE_STAFF:
                problems.append(f"{where}, a unit's contact phone unmasked to someone not its community's staff")
            if BOUND_PHONE in text and operation not in OWN_DATA:
                problems.append(f"{where}, a bound phone number unmasked")
            if PHONE in text or ADDRESS in text:
                unmasked_to_entitled += entitled
                if not entitled:
                    problems.append(f"{where}, unmasked phone or address to someone not entitled")
            if actor == "foreign_admin" and (PRIVATE in text or redemption_code in text):
                problems.append(f"{where}, an object of the first district to another district's admin")
    print(f"\nrole matrix: {len(EXPECTED)} operations × {len(ACTORS)} actors = {cells} cells checked")
    assert not problems, "\n".join(problems)
    assert unmasked_to_entitled, "the scan looks for what the wishes' owners wrote and found it nowhere"


def test_another_districts_admin_counts_and_lists_no_wish_or_unit_of_the_first_district(client, matrix_cast):
    for status in ("pending_review", "open", "claimed", "closed"):
        matrix_cast.wish(status)
    token = matrix_cast.tokens["foreign_admin"]
    headers = {"Authorization": f"Bearer {token}"}

    own = client.get("/api/v1/stats/overview", headers=headers)
    first = client.get(
        "/api/v1/stats/overview", query_string={"area_id": matrix_cast.world.district.id}, headers=headers
    )
    matrix_cast.unit()
    own_lists = client.get("/api/v1/wishes", headers=headers).get_json()
    own_units = client.get("/api/v1/unit-organisations", headers=headers).get_json()
    asked_for = client.get(
        "/api/v1/wishes", query_string={"grid_id": matrix_cast.world.grid.id}, headers=headers
    ).get_json()

    assert own.status_code == 200, own.get_json()
    assert own.get_json()["total"] == 0, own.get_json()
    assert first.status_code == 403, first.get_json()
    assert own_lists["items"] == own_units["items"] == [], "a list without a place is of their own district"
    assert [row["status"] for row in asked_for["items"]] == ["open"], "a grid asked for by name: its public pool only"
    assert asked_for["items"][0]["contact_phone"].count("*") == 4


# -- the console's pages ---------------------------------------------------------------------

CONSOLE_ACTORS = ("anonymous", "resident_token", "worker", "other_worker", "community_admin")
CONSOLE_STAFF = frozenset({"worker", "other_worker", "community_admin"})
REPORT_MONTH = "2026-03"

# page (endpoint) -> (path parameters made from the cast, the actors that get a 200). The
# objects are the first grid's (a claimed wish, an activity) and its community's (a matter);
# the other grid's worker is staff of the community but not of the grid.
CONSOLE_PAGES = {
    "console.board": (lambda c: {}, CONSOLE_STAFF),
    "console.review_queue": (lambda c: {}, CONSOLE_STAFF),
    "console.dashboard": (lambda c: {}, CONSOLE_STAFF),
    "console.password": (lambda c: {}, CONSOLE_STAFF),
    "console.wish": (lambda c: {"wish_id": c.wish("claimed")}, GRID_STAFF),
    # A wish in the pool, and the options are the caller's own members: the other grid's worker
    # sees nothing of the first grid's (assigning is refused them: the API matrix's assign row).
    "console.member_choices": (lambda c: {"wish_id": c.wish("open")}, {*GRID_STAFF, "other_worker"}),
    "console.photo": (lambda c: {"upload_id": photo_of_claimed_wish(c, None)[0]["upload_id"]}, GRID_STAFF),
    "console.activities": (lambda c: {}, CONSOLE_STAFF),
    "console.activity_form": (lambda c: {}, CONSOLE_STAFF),
    "console.activity": (lambda c: {"activity_id": c.activity()["id"]}, GRID_STAFF),
    "console.activity_qr": (lambda c: {"activity_id": c.activity()["id"]}, GRID_STAFF),
    "console.activity_signups_workbook": (lambda c: {"activity_id": c.activity()["id"]}, GRID_STAFF),
    "console.announcements": (lambda c: {}, CONSOLE_STAFF),
    "console.store": (lambda c: {}, CONSOLE_STAFF),
    "console.redemptions": (lambda c: {}, CONSOLE_STAFF),
    "console.matters": (lambda c: {}, CONSOLE_STAFF),
    "console.matter": (lambda c: {"matter_id": matter(c)}, CONSOLE_STAFF),
    "console.units": (lambda c: {}, CONSOLE_STAFF),
    "console.posts": (lambda c: {}, CONSOLE_STAFF),
    "console.pledges": (lambda c: {}, CONSOLE_STAFF),
    "console.reports": (lambda c: {}, CONSOLE_STAFF),
    "console.report_workbook": (lambda c: {"area_id": c.world.grid.id, "month": REPORT_MONTH}, GRID_STAFF),
    "console.report_wishes_csv": (lambda c: {"area_id": c.world.grid.id, "month": REPORT_MONTH}, GRID_STAFF),
    "console.report_hours_csv": (lambda c: {"area_id": c.world.grid.id, "month": REPORT_MONTH}, GRID_STAFF),
    # Admin pages: no grid worker's.
    "console.admin_areas": (lambda c: {}, {"community_admin"}),
    "console.admin_rules": (lambda c: {"area_id": c.world.community.id}, {"community_admin"}),
    "console.admin_staff": (lambda c: {}, {"community_admin"}),
    "console.admin_staff_people": (lambda c: {}, {"community_admin"}),
    "console.admin_contact_views": (lambda c: {}, {"community_admin"}),
}
# Not pages of a person's: the sign-in form and the static files.
CONSOLE_PUBLIC = {"console.login", "console.static"}
CONSOLE_NOT_YET_COVERED: set = set()


def _console_get_endpoints(app) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("console.") and "GET" in rule.methods
    }


def test_every_console_page_is_in_the_console_matrix(app):
    served = _console_get_endpoints(app)
    listed = CONSOLE_PAGES.keys() | CONSOLE_PUBLIC | CONSOLE_NOT_YET_COVERED
    assert not served - listed, f"console pages missing from the matrix: {sorted(served - listed)}"
    assert not listed - served, f"rows naming no console page: {sorted(listed - served)}"
    print(f"\nconsole matrix: not yet covered: {sorted(CONSOLE_NOT_YET_COVERED)}")


def test_each_console_page_opens_exactly_for_the_staff_the_console_matrix_names(app, world, matrix_cast):
    from flask import url_for

    from tests.console import signed_in

    clients = {name: signed_in(app, world, name) for name in ("worker", "other_worker", "community_admin")}
    clients["anonymous"] = clients["resident_token"] = app.test_client()
    headers = {"resident_token": {"Authorization": f"Bearer {matrix_cast.tokens['owner']}"}}
    problems, cells = [], 0
    for endpoint, (make, allowed) in CONSOLE_PAGES.items():
        for actor in CONSOLE_ACTORS:
            with app.test_request_context():
                path = url_for(endpoint, **make(matrix_cast))
            response = clients[actor].get(path, headers=headers.get(actor, {}))
            response.close()  # the CSV downloads stream
            cells += 1
            where = f"{endpoint} as {actor}: {response.status_code}"
            if actor in ("anonymous", "resident_token"):
                if response.status_code not in (302, 303) or "/console/login" not in response.location:
                    problems.append(f"{where}, expected a redirect to the sign-in page")
            elif actor in allowed:
                if response.status_code != 200:
                    problems.append(f"{where}, expected 200")
            elif response.status_code not in (403, 404):
                problems.append(f"{where}, expected 403 or 404")
    print(f"\nconsole matrix: {len(CONSOLE_PAGES)} pages × {len(CONSOLE_ACTORS)} actors = {cells} cells checked")
    assert not problems, "\n".join(problems)


def test_the_activities_and_leaderboard_without_area_id_are_of_the_callers_own_district(client, matrix_cast):
    matrix_cast.activity()
    headers = {"Authorization": f"Bearer {matrix_cast.tokens['foreign_admin']}"}

    activities = client.get("/api/v1/activities", headers=headers).get_json()
    leaders = client.get("/api/v1/leaderboard", headers=headers).get_json()

    assert activities["items"] == [], "an activity of the first district"
    assert [row["user_id"] for row in leaders["items"]] == [], "members of the first district ranked"
