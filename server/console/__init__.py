"""The staff console: server-rendered pages (Jinja, Simplified Chinese) for grid workers and
admins, on the same operations and queries as ``miniprogram_api/``.

Signed in by a cookie session (server/console/auth.py), never by a bearer token; every form
carries the session's CSRF token; every answer carries the headers below. Static files,
htmx among them (static/vendor/VENDORED.md), are served from the project: the console runs
on intranets that reach no CDN.
"""

from flask import Flask


def register(app: Flask) -> None:
    # Imported for their routes and hooks on the blueprint.
    from server.console import (  # noqa: F401
        activities,
        admin,
        announcements,
        audit,
        auth,
        dashboard,
        filters,
        forms,
        matters,
        nav,
        pledges,
        posts,
        reports,
        reviews,
        store,
        tickets,
        units,
        views,
    )
    from server.console.blueprint import blp

    app.register_blueprint(blp)
