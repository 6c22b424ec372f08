"""A browser form's text turned into what the API's schemas read from a JSON body: whole
numbers as numbers, a ``datetime-local`` value as the Shanghai time it is shown in."""

import re

from flask import request

_WHOLE = re.compile(r"-?\d{1,12}")
_LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?")
SHANGHAI_OFFSET = "+08:00"  # Asia/Shanghai keeps no summer time


def body(*, integers=(), floats=(), local_times=(), booleans=()) -> dict:
    """``request.form`` with the named fields converted; what does not convert is left as
    typed, for the schema to refuse with its own message."""
    values = dict(request.form)
    for name in integers:
        if _WHOLE.fullmatch(values.get(name, "").strip()):
            values[name] = int(values[name])
    for name in floats:
        if name in values:
            values[name] = number(values[name])
    for name in local_times:
        if _LOCAL_TIME.fullmatch(values.get(name, "")):
            values[name] += SHANGHAI_OFFSET
    for name in booleans:
        values[name] = name in values
    return values


def number(typed: str):
    """The number typed, or the text itself when it is none."""
    try:
        return float(typed)
    except ValueError:
        return typed
