"""Answers a worker may reuse for a few seconds: the busiest reads without a database trip.

Each process (gunicorn worker) keeps its own small table per app. An entry lives at most the
seconds its caller gives, and every commit that wrote anything in this process empties the
whole table, so a person whose request was served by this worker always reads their own
write; another worker may answer from what it read up to those seconds ago. Only reads that
may be that old use it (GET requests; the open pool and who a token belongs to).
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

# At most this many answers per worker (open-pool pages are a few kB each).
MAX_ENTRIES = 1024
_WROTE = "recent.wrote"
# Seconds of a steady clock; tests move it.
clock = time.monotonic


class RecentAnswers:
    def __init__(self, max_entries: int = MAX_ENTRIES):
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries
        self._generation = 0

    def get(self, key: Hashable, seconds: float, compute: Callable):
        """The value kept for ``key`` if younger than ``seconds``, else ``compute()`` kept."""
        now = clock()
        with self._lock:
            found = self._entries.get(key)
            if found is not None and now - found[0] < seconds:
                return found[1]
            generation = self._generation
        value = compute()
        with self._lock:
            # A commit that cleared the table while we computed may have changed what we read.
            if generation == self._generation:
                self._entries[key] = (now, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self._max:
                    self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1


def init_app(app: Flask) -> None:
    app.extensions["recent"] = RecentAnswers()


def remembered(name: str, key: Hashable, seconds: float, compute: Callable):
    """``compute()``, or what it gave for ``(name, key)`` less than ``seconds`` ago here."""
    if seconds <= 0:
        return compute()
    return current_app.extensions["recent"].get((name, key), seconds, compute)


# Any session of any app: remember that the transaction wrote, forget the answers on commit.


@event.listens_for(Session, "after_flush")
def _flushed(session, _flush_context):
    if session.new or session.dirty or session.deleted:
        session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state):
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _committed(session):
    if session.info.pop(_WROTE, False) and has_app_context() and "recent" in current_app.extensions:
        current_app.extensions["recent"].clear()


@event.listens_for(Session, "after_rollback")
def _rolled_back(session):
    session.info.pop(_WROTE, None)
