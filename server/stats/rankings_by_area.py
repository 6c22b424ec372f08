"""The children of an area node (the streets of a district, the communities of a street, the
grids of a community) with their counts and three rates over a period, in ONE statement that
groups the subtree's wishes by the child they lie under."""

from datetime import date

from sqlalchemy import case, func, select

from server.areas.models import Area
from server.areas.queries import list_children, subtree_condition
from server.core.extensions import may_lag, read
from server.wishes import rates
from server.wishes.models import STATUSES, Wish


def children_figures(area: Area, date_from: date | None, date_to: date | None) -> list[dict]:
    """Each live child of ``area`` (by id) with ``total``, ``counts`` by status and the rates."""
    children = list_children(area.id)
    if not children:
        return []
    child = case(*((subtree_condition(Wish.area_path, node), node.id) for node in children))
    wishes = (
        select(child.label("child_id"), Wish.status, *rates.flags())
        .where(subtree_condition(Wish.area_path, area), *rates.period_bounds(date_from, date_to))
        .subquery("children")
    )
    by_status = [func.coalesce(func.sum(case((wishes.c.status == s, 1), else_=0)), 0).label(s) for s in STATUSES]
    statement = may_lag(
        select(wishes.c.child_id, func.count().label("total"), *by_status, *rates.sums(wishes.c))
        .where(wishes.c.child_id.is_not(None))
        .group_by(wishes.c.child_id)
    )
    found = {row.child_id: row for row in read(statement)}
    figures = []
    for node in children:
        row = found.get(node.id)
        figures.append(
            {
                "area": node,
                "total": row.total if row else 0,
                "counts": {status: int(getattr(row, status)) if row else 0 for status in STATUSES},
                **(rates.rates(row) if row else {name: rates.rate(0, 0) for name in rates.RATES}),
            }
        )
    return ranked(figures)


def ranked(figures: list[dict]) -> list[dict]:
    """Best response rate first (a child with nothing to answer last), then the most wishes."""
    return sorted(
        figures,
        key=lambda row: (row["response_rate"]["value"] is None, -(row["response_rate"]["value"] or 0), -row["total"]),
    )
