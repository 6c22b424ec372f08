"""Signing in to the staff console in a test: a password for a person, the form's CSRF token."""

import re

from server.accounts.models import User
from server.accounts.staff_passwords import set_password
from server.core.extensions import db

PASSWORD = "correct horse battery"
LOGIN = "/console/login"


def give_password(app, user_id: int, username: str, password: str = PASSWORD) -> None:
    with app.app_context():
        set_password(db.session.get(User, user_id), username, password)
        db.session.commit()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF field in the page:\n{html[:1000]}"
    return match.group(1)


def signed_in(app, world, name: str):
    """A test client signed in to the console as ``world``'s ``name`` (their username too)."""
    give_password(app, world.user_id(name), name)
    client = app.test_client()
    assert sign_in(client, name).status_code == 303
    return client


def post_form(client, path: str, form: dict, *, page: str):
    """POST a console form as the browser does from ``page``: its CSRF token, its Referer."""
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **form}, headers={"Referer": f"http://localhost{page}"})


def sign_in(client, username: str, password: str = PASSWORD, environ=None):
    """POST the sign-in form as the browser would (after opening the page); the response."""
    token = csrf_token(client.get(LOGIN).get_data(as_text=True))
    form = {"csrf_token": token, "username": username, "password": password}
    return client.post(LOGIN, data=form, environ_base=environ or {})


def sign_in_page(page, username: str, password: str = PASSWORD, *, board: bool = True) -> None:
    """Sign in through the console's form in a Playwright ``page``; with ``board``, wait for the
    board the sign-in leads to."""
    page.goto(LOGIN)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    if board:
        page.wait_for_url("**/console/")
