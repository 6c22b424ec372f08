"""A staff member's signed-in console in a test, and posting a console form as their browser would."""

from tests.console import csrf_token, give_password, sign_in


def console_of(app, world, name: str):
    """A test client signed in to the console as the world's ``name``."""
    give_password(app, world.user_id(name), name)
    client = app.test_client()
    assert sign_in(client, name).status_code == 303
    return client


def post_form(client, page: str, action: str, **fields):
    """POST ``fields`` to ``action`` from ``page`` (its CSRF token, its referrer)."""
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, **fields}, headers={"Referer": f"http://localhost{page}"})
