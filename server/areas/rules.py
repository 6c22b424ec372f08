"""A community's lifecycle windows (DESIGN §3 defaults, §4 settings): its own where its admin set
one, the setting's otherwise. The one place a due time's window is read: the posting and review
of a wish (server/wishes/operations.py), the sweeps (server/wishes/tasks.py) and the board's
deadlines all ask here.

A window is a community's (the level whose admins set rules); a grid and its wishes follow the
community above them. Most communities keep the defaults, so a sweep reads the few overrides
first and writes them into its one statement as per-community cutoffs (``cutoffs``): the
search stays a range on (status, status_since) whatever the overrides are.
"""

from dataclasses import dataclass, fields
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, case, literal, select

from server.areas.models import Area, path_ids
from server.core import clock
from server.core.dbtypes import UTCDateTime
from server.core.errors import Unprocessable
from server.core.extensions import db

# A community's window, whichever: long enough for a person to act, short enough to matter.
MIN_WINDOW_SECONDS = 3600
MAX_WINDOW_SECONDS = 30 * 24 * 3600
# Where the community sits on a path: district, street, community, grid.
COMMUNITY_DEPTH = 3


@dataclass(frozen=True)
class Windows:
    """The five windows in seconds, each an ``Area`` column and (upper-cased) a setting."""

    review_window_seconds: int
    unclaimed_escalation_seconds: int
    claim_reminder_seconds: int
    claim_timeout_seconds: int
    confirm_window_seconds: int


WINDOW_NAMES = tuple(field.name for field in fields(Windows))


def setting(name: str) -> int:
    return current_app.config[name.upper()]


def windows_for(area_or_path) -> Windows:
    """The windows that hold at an area (an ``Area``, anything with a ``path``, or a path such
    as a wish's ``area_path``): its community's override, or the setting, window by window.
    Above community level (a street, a district) the settings hold."""
    if getattr(area_or_path, "windows", None) is not None:
        return area_or_path.windows  # a ReviewedArea: read in the same statement as the area
    path = area_or_path if isinstance(area_or_path, str) else area_or_path.path
    ids = path_ids(path)
    community = db.session.get(Area, ids[COMMUNITY_DEPTH - 1]) if len(ids) >= COMMUNITY_DEPTH else None
    return windows_of(community)


def windows_of(community: Area | None) -> Windows:
    return windows_from({name: getattr(community, name) for name in WINDOW_NAMES} if community else {})


def windows_from(own: dict) -> Windows:
    """The windows given a community's own values by name (None or absent: the setting)."""
    return Windows(**{name: setting(name) if own.get(name) is None else own[name] for name in WINDOW_NAMES})


def community_columns(areas, area_path):
    """Correlated subqueries: the window columns of the community at or above ``area_path``
    (a column of ``areas``' outer query), labelled by window name."""
    community = areas.alias("community")
    return [
        select(community.c[name])
        .where(community.c.level == "community", area_path.startswith(community.c.path))
        .limit(1)
        .scalar_subquery()
        .label(name)
        for name in WINDOW_NAMES
    ]


def check_overrides(community: Area, changes: dict) -> None:
    """Refuse windows out of bounds, and a reminder that would come at or after the timeout
    (with the community's windows as they would be after ``changes``)."""
    problems = {}
    for name, seconds in changes.items():
        if seconds is not None and not MIN_WINDOW_SECONDS <= seconds <= MAX_WINDOW_SECONDS:
            problems[name] = [f"应在 {MIN_WINDOW_SECONDS // 3600} 小时到 {MAX_WINDOW_SECONDS // 86400} 天之间"]
    if problems:
        raise Unprocessable("时限超出允许范围", code="window_out_of_bounds", details=problems)
    after = {name: changes.get(name, getattr(community, name)) for name in WINDOW_NAMES}
    reminder = after["claim_reminder_seconds"] or setting("claim_reminder_seconds")
    timeout = after["claim_timeout_seconds"] or setting("claim_timeout_seconds")
    if reminder >= timeout:
        raise Unprocessable(
            "认领提醒时限应短于认领超时时限",
            code="reminder_after_timeout",
            details={"claim_reminder_seconds": ["应短于认领超时时限"]},
        )


def overrides(name: str) -> list[tuple[str, int]]:
    """The (path, seconds) of each community that sets the window ``name``."""
    column = getattr(Area, name)
    query = select(Area.path, column).where(Area.level == "community", column.is_not(None)).order_by(Area.id)
    return [(path, seconds) for path, seconds in db.session.execute(query)]


@dataclass(frozen=True)
class Cutoffs:
    """When a window ran out at a moment: for the communities that override it, and for the rest."""

    default: datetime
    per_community: tuple[tuple[str, datetime], ...]

    @property
    def loosest(self) -> datetime:
        """The latest cutoff of all: the shortest window's."""
        return max([self.default, *(cutoff for _, cutoff in self.per_community)])

    def condition(self, status_since, area_path):
        """SQL: the row (its ``status_since`` and ``area_path`` columns) entered its status
        before its community's cutoff.

        The first term is the loosest cutoff of all (the shortest window), a plain range the
        (status, status_since) index answers; the CASE then holds each row to its own
        community's cutoff. Without overrides it is the one range it was before windows were
        per community."""
        from server.areas.queries import subtree_condition  # queries reads windows with an area: a cycle

        condition = status_since <= _at(self.loosest)
        if not self.per_community:
            return condition
        own_cutoff = case(
            *((subtree_condition(area_path, _Path(path)), _at(cutoff)) for path, cutoff in self.per_community),
            else_=_at(self.default),
        )
        return and_(condition, status_since <= own_cutoff)


def cutoffs(name: str, now: datetime) -> Cutoffs:
    """The cutoffs of the window ``name`` at ``now``: the overrides read in one small statement
    (communities are a few hundred rows), for a sweep to write into its own."""
    return Cutoffs(
        now - clock.seconds(setting(name)),
        tuple((path, now - clock.seconds(seconds)) for path, seconds in overrides(name)),
    )


@dataclass(frozen=True)
class _Path:
    path: str


def _at(moment: datetime):
    return literal(moment, UTCDateTime())
