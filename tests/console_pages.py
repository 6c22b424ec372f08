"""Helpers for the console's page tests: a client signed in as someone of the world, a form
posted as the browser posts it, a page's text, what the requests committed."""

from tests.console import csrf_token, give_password, sign_in


def signed_in(app, world, name: str):
    """A test client signed in to the console as ``world``'s ``name``."""
    give_password(app, world.user_id(name), name)
    client = app.test_client()
    assert sign_in(client, name).status_code == 303
    return client


def post_form(client, path: str, form: dict, *, page: str):
    """POST a console form as the browser does from ``page``: its CSRF token, its Referer."""
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **form}, headers={"Referer": f"http://localhost{page}"})


def page_text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def stored(app, read):
    """``read()`` in an app context of its own: what the requests committed."""
    with app.app_context():
        return read()
