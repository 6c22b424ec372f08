"""The report's lists as CSV, streamed a row at a time.

UTF-8 with a byte-order mark, without which Excel on Windows reads the Chinese as GBK. A cell
starting with = + - @ (or a tab or carriage return) is one Excel would run as a formula, and a
resident wrote it: such text is prefixed with ' so it stays text. Numbers are left as numbers.
"""

import csv
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from io import StringIO

from server.core import clock

CSV_MIMETYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    yield (BOM + _line(header)).encode("utf-8")
    for values in rows:
        yield _line(values).encode("utf-8")


def _line(values) -> str:
    out = StringIO()
    csv.writer(out).writerow([_text(value) for value in values])
    return out.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{clock.to_shanghai(value):%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float):
        return f"{round(value, 2):g}"
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return str(value)
