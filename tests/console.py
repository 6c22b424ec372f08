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


def sign_in(client, username: str, password: str = PASSWORD, environ=None):
    """POST the sign-in form as the browser would (after opening the page); the response."""
    token = csrf_token(client.get(LOGIN).get_data(as_text=True))
    form = {"csrf_token": token, "username": username, "password": password}
    return client.post(LOGIN, data=form, environ_base=environ or {})
