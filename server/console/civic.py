"""What the console's community-life sections share (units, practical matters, service posts,
pledges): reading a form's numbers for the API's schemas, the pager, the answer to a POST."""

import re

from flask import flash, redirect, request, url_for

from server.core.extensions import db

PAGE_ROWS = 20
_NUMBER = re.compile(r"[0-9]{1,18}")


def with_numbers(form, *names: str) -> dict:
    """The form as a dict with the named fields as integers. The API's body schemas take only
    a JSON integer for an id or a count, and a form has nothing but text; text that is not
    plain digits is left as it is, for the schema to refuse."""
    values = dict(form.items())
    for name in names:
        if _NUMBER.fullmatch(values.get(name, "")):
            values[name] = int(values[name])
    return values


def next_page_url(next_cursor: str | None) -> str | None:
    """This page's address with the filters kept and the cursor after it; None on the last."""
    if next_cursor is None:
        return None
    return url_for(request.endpoint, **{**request.view_args, **request.args.to_dict(), "cursor": next_cursor})


def done(message: str, endpoint: str, **values):
    """A POST that wrote: commit once, tell the person, and show the page they act from (303)."""
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint, **values), code=303)
