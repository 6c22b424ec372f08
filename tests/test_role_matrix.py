"""Who may do what, for every operation of the served OpenAPI document (issue 15, OWASP API1,
API3, API5 2023): each operation × eleven actors, with the actors that get a 2xx written down
in EXPECTED below — or in COMMITTING for the two whose cells need a committing database, and
in SIGNED for the three a signature opens rather than a bearer token. An operation the
document serves that is in none of these nor in NOT_YET_COVERED fails, so a new endpoint
cannot escape the matrix; a row naming no served operation fails too.

Every other cell must answer 401 (anonymous) or 403/404 — never 2xx, never 500, never a
409/422 that hides a missing right behind a state check. No body to an actor not entitled
carries the wish's unmasked phone or address, and nothing answered to the admin of another
district carries an object of the first district that is not in the public pool.

The matrix (printed by the tests): 98 operations served, all 98 covered × 11 actors = 1,078
cells (93 by bearer token = 1,023, 2 committing = 22, 3 signed = 33, each signed cell asked
with every request of tests/role_matrix/signed.py), none not yet covered; the console's 29
pages × 5 actors = 145 cells.
"""

import itertools

import pytest
from sqlalchemy import delete, select

from server.areas.models import GridCode
from server.core.extensions import db
from tests.role_matrix.cast import ACTORS, ADDRESS, BOUND_PHONE, PHONE, PRIVATE, UNIT_PHONE, cast, matter
from tests.role_matrix.routes import photo_of_claimed_wish, setup_for
from tests.role_matrix.signed import CONFIG, signed_requests, upload_status

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

# Cells that need a committing database (the `commits` mark), with a test and a cast of their
# own below: a grid's "bind me" code is drawn and kept on a connection of its own
# (server/areas/operations.py).
COMMITTING = {
    # The grid's staff print it; each actor asks before it is drawn and again once it is kept.
    "GET /api/v1/areas/{area_id}/qrcode": GRID_STAFF,
    # The scene of a code on a noticeboard: anyone signed in may scan it and live there.
    "POST /api/v1/me/home-grid": LOGGED_IN,
}

# Opened by a signature, not a bearer token: operation -> the one request (of
# tests/role_matrix/signed.py) answered 2xx. The bearer header is all that tells the eleven
# actors apart, so it must change nothing: each request answers the same (status, type and
# bytes) to every actor, the rightly signed one 2xx to all eleven, every other one (a link to
# another object, a forged or expired link, a push unsigned or wrongly signed) 403 or 404 to
# all eleven, and a refused push records no verdict.
SIGNED = {
    # A photo's link for WeChat's image checker, which fetches it without our token.
    "GET /media/{token}": "the link the image check carried",
    # WeChat's servers calling, signed with the push token.
    "GET /wechat/push": "the handshake signed with the push token",
    "POST /wechat/push": "a verdict signed with the push token",
}

# Served, not yet in the matrix (printed by the test), and why: none now; a new gap is named
# here with its reason.
NOT_YET_COVERED: set[str] = set()

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
# Where the fake WeChat draws mini-program codes.
CODE_PATH = "/wxa/getwxacodeunlimit"


def served_operations(client) -> set[str]:
    document = client.get("/api/v1/openapi.json").get_json()
    return {
        f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item if method in _METHODS
    }


# Each served operation in exactly one of these.
_TABLES = {"EXPECTED": EXPECTED, "COMMITTING": COMMITTING, "SIGNED": SIGNED, "NOT_YET_COVERED": NOT_YET_COVERED}


def test_every_served_operation_is_in_the_role_matrix(client):
    served = served_operations(client)
    for (name, table), (other_name, other) in itertools.combinations(_TABLES.items(), 2):
        assert not set(table) & set(other), f"rows both in {name} and in {other_name}: {set(table) & set(other)}"
    listed = set().union(*_TABLES.values())
    assert not served - listed, f"operations missing from the role matrix: {sorted(served - listed)}"
    assert not listed - served, f"rows naming no served operation: {sorted(listed - served)}"
    covered = len(listed - NOT_YET_COVERED)
    print(
        f"\nrole matrix: {len(served)} operations served, {covered} covered × {len(ACTORS)} actors = "
        f"{covered * len(ACTORS):,} cells ({len(EXPECTED)} by bearer token, {len(COMMITTING)} committing, "
        f"{len(SIGNED)} signed), not yet covered: {sorted(NOT_YET_COVERED) or 'none'}"
    )


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


def _status_problem(operation: str, actor: str, allowed, status: int) -> str | None:
    if actor in allowed:
        return None if 200 <= status < 300 else "expected 2xx"
    if 200 <= status < 300:
        return "expected a refusal (leak)"
    if (operation, actor) in KNOWN_STATE_BEFORE_PERMISSION:
        return None
    return _refusal_problem(actor, status)


def _leaks(operation: str, actor: str, text: str, *, entitled: bool, first_district=()) -> tuple[list[str], bool]:
    """What the body shows that the actor may not see; and whether it shows the wishes'
    unmasked phone or address (to someone entitled, else that is one of the leaks)."""
    leaks = []
    if UNIT_PHONE in text and actor not in STORE_STAFF:
        leaks.append("a unit's contact phone unmasked to someone not its community's staff")
    if BOUND_PHONE in text and operation not in OWN_DATA:
        leaks.append("a bound phone number unmasked")
    unmasked = PHONE in text or ADDRESS in text
    if unmasked and not entitled:
        leaks.append("unmasked phone or address to someone not entitled")
    if actor == "foreign_admin" and any(mark in text for mark in (PRIVATE, *first_district)):
        leaks.append("an object of the first district to another district's admin")
    return leaks, unmasked


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
            if problem := _status_problem(operation, actor, allowed, status):
                problems.append(f"{where}, {problem}: {text[:200]}")
            entitled = actor in INVOLVED or (operation in BECOMES_INVOLVED and 200 <= status < 300)
            leaks, unmasked = _leaks(operation, actor, text, entitled=entitled, first_district=(redemption_code,))
            problems += [f"{where}, {leak}" for leak in leaks]
            unmasked_to_entitled += unmasked and entitled
    print(f"\nrole matrix: {len(EXPECTED)} operations × {len(ACTORS)} actors = {cells} cells checked")
    assert not problems, "\n".join(problems)
    assert unmasked_to_entitled, "the scan looks for what the wishes' owners wrote and found it nowhere"


def _forget_grid_codes(app) -> None:
    with app.app_context():
        db.session.execute(delete(GridCode))
        db.session.commit()
        db.session.remove()


def _kept_scene(app, area_id: int) -> str:
    with app.app_context():
        scene = db.session.scalar(select(GridCode.scene).where(GridCode.area_id == area_id))
        db.session.remove()
    return scene


@pytest.mark.commits
def test_each_actor_gets_a_grids_code_and_binds_with_it_exactly_where_the_role_matrix_says(
    app, client, matrix_cast, fake_wechat
):
    grid, other_grid = matrix_cast.world.grid.id, matrix_cast.world.other_grid.id
    qrcode, bind = "GET /api/v1/areas/{area_id}/qrcode", "POST /api/v1/me/home-grid"
    problems, cells = [], 0

    def judge(operation, actor, response):
        status, text = response.status_code, response.get_data().decode(errors="replace")
        where = f"{operation} as {actor}: {status}"
        if problem := _status_problem(operation, actor, COMMITTING[operation], status):
            problems.append(f"{where}, {problem}: {text[:200]}")
        leaks, _unmasked = _leaks(operation, actor, text, entitled=actor in INVOLVED)
        problems.extend(f"{where}, {leak}" for leak in leaks)
        return status

    # Before the code is drawn, and once it is kept: the right is checked ahead of both.
    for kept in (False, True):
        for actor in ACTORS:
            if not kept:
                _forget_grid_codes(app)
            drawn = fake_wechat.app.calls[CODE_PATH]
            status = judge(qrcode, actor, _call(client, qrcode, {"area_id": grid}, None, matrix_cast.tokens[actor]))
            if not 200 <= status < 300 and fake_wechat.app.calls[CODE_PATH] != drawn:
                problems.append(f"{qrcode} as {actor}: WeChat drew a code for someone refused")
            cells += not kept  # one cell, asked twice
    # The other grid's code, as its residents scan it from the noticeboard.
    drawn_for_board = _call(client, qrcode, {"area_id": other_grid}, None, matrix_cast.tokens["community_admin"])
    assert drawn_for_board.status_code == 200, drawn_for_board.get_json()
    scene = _kept_scene(app, other_grid)
    for actor in ACTORS:
        response = _call(client, bind, {}, {"scene": scene}, matrix_cast.tokens[actor])
        cells += 1
        if 200 <= judge(bind, actor, response) < 300 and response.get_json()["home_grid_id"] != other_grid:
            problems.append(f"{bind} as {actor}: answered 2xx but the home grid is not the scanned one")
    print(f"\nrole matrix, committing: {len(COMMITTING)} operations × {len(ACTORS)} actors = {cells} cells checked")
    assert not problems, "\n".join(problems)


def test_a_signed_operation_answers_every_actor_the_same_whatever_bearer_comes_with_it(
    app, client, matrix_cast, monkeypatch
):
    requests, photos = signed_requests(matrix_cast)
    problems, cells = [], 0
    for operation, answered in SIGNED.items():
        assert answered in requests[operation], f"{operation}: no request named {answered!r}"
        for name, (params, body) in requests[operation].items():
            answers = set()
            for actor in ACTORS:
                cell_params = dict(params)
                with monkeypatch.context() as settings:
                    for key, value in cell_params.pop(CONFIG, {}).items():
                        settings.setitem(app.config, key, value)
                    response = _call(client, operation, cell_params, body, matrix_cast.tokens[actor])
                status, data = response.status_code, response.get_data()
                answers.add((status, response.mimetype, data))
                where = f"{operation}, {name}, as {actor}: {status}"
                if name == answered and not 200 <= status < 300:
                    problems.append(f"{where}, expected 2xx: {data[:200]!r}")
                elif name != answered and status not in (403, 404):
                    problems.append(f"{where}, expected 403 or 404: {data[:200]!r}")
                leaks, _unmasked = _leaks(operation, actor, data.decode(errors="replace"), entitled=False)
                problems.extend(f"{where}, {leak}" for leak in leaks)
            if len(answers) != 1:
                problems.append(f"{operation}, {name}: the bearer changed the answer: {sorted(answers)[:3]}")
        cells += len(ACTORS)
    if upload_status(matrix_cast, photos["refused"]) != "checking":
        problems.append("a refused push recorded its verdict")
    if upload_status(matrix_cast, photos["passed"]) != "pass":
        problems.append("the signed push recorded no verdict")
    print(f"\nrole matrix, signed: {len(SIGNED)} operations × {len(ACTORS)} actors = {cells} cells checked")
    assert not problems, "\n".join(problems)


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
