"""Helpers for the console's page tests: a client signed in as someone of the world, a form
posted as the browser posts it, a page's text, what the requests committed."""

from tests.console import post_form, signed_in  # noqa: F401  (the page tests import them from here too)


def page_text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def stored(app, read):
    """``read()`` in an app context of its own: what the requests committed."""
    with app.app_context():
        return read()
