"""Answers a worker may reuse for a few seconds: the busiest reads without a database trip.

Each process (web server worker) keeps, per app, a small table for each kind of answer. An entry
lives at most the seconds its caller gives, and a commit in this process that wrote any table
a kind is read from empties that kind's table, so a person whose request this worker served
reads their own write at once; another worker may answer from what it read up to those
seconds ago. Only reads that may be that old use it (GET requests: the open pool). Who a
token belongs to is never kept: a revoked right must hold from the next request everywhere.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from flask import Flask, current_app, has_app_context, has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from server.core.transaction_end import on_transaction_end

# At most this many answers of each kind per worker (an open-pool page is a few kB).
MAX_ENTRIES = 1024
# Seconds of a steady clock; tests move it.
clock = time.monotonic


@dataclass(frozen=True)
class Kind:
    """A kind of kept answer, and the tables whose writes make it stale."""

    name: str
    tables: frozenset[str]


_KINDS: dict[str, Kind] = {}


def kind(name: str, *tables: str) -> Kind:
    declared = _KINDS.setdefault(name, Kind(name, frozenset(tables)))
    if declared.tables != frozenset(tables):
        raise ValueError(f"kind {name} declared twice with other tables")
    return declared


class _Table:
    def __init__(self):
        self.entries: OrderedDict = OrderedDict()
        self.generation = 0


class WorkerCache:
    def __init__(self, max_entries: int = MAX_ENTRIES):
        self._tables: dict[str, _Table] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, kind: Kind, key: Hashable, seconds: float, compute: Callable):
        """The value kept for ``key`` if younger than ``seconds``, else ``compute()`` kept."""
        now = clock()
        with self._lock:
            table = self._tables.setdefault(kind.name, _Table())
            found = table.entries.get(key)
            if found is not None and now - found[0] < seconds:
                if has_request_context():  # for the access log (`make bench` counts reused answers)
                    request.environ.setdefault("microwish.reused", []).append(kind.name)
                return found[1]
            generation = table.generation
        value = compute()
        with self._lock:
            # A commit that emptied the table while we computed may have changed what we read.
            if generation == table.generation:
                table.entries[key] = (now, value)
                table.entries.move_to_end(key)
                while len(table.entries) > self._max:
                    table.entries.popitem(last=False)
        return value

    def forget_written(self, written: set[str]) -> None:
        """Empty the table of every kind read from one of the ``written`` tables."""
        with self._lock:
            for name, table in self._tables.items():
                if _KINDS[name].tables & written:
                    table.entries.clear()
                    table.generation += 1


def init_app(app: Flask) -> None:
    app.extensions["worker_cache"] = WorkerCache()


def cached(kind: Kind, key: Hashable, seconds: float, compute: Callable):
    """``compute()``, or what it gave for ``key`` of ``kind`` less than ``seconds`` ago here."""
    if seconds <= 0:
        return compute()
    return current_app.extensions["worker_cache"].get(kind, key, seconds, compute)


# Any session of any app: note the tables a transaction writes, forget their answers on commit.


def _note(session, table_name: str) -> None:
    written = on_transaction_end(session, "worker_cache.written", committed=_forget_written)
    if table_name not in written:  # a handful of tables, noted on every flush
        written.append(table_name)


def _forget_written(tables: list) -> None:
    if has_app_context() and "worker_cache" in current_app.extensions:
        current_app.extensions["worker_cache"].forget_written(set(tables))


@event.listens_for(Session, "after_flush")
def _flushed(session, _flush_context):
    for instance in (*session.new, *session.dirty, *session.deleted):
        _note(session, inspect(instance).mapper.local_table.name)


@event.listens_for(Session, "do_orm_execute")
def _executed(state):
    if state.is_insert or state.is_update or state.is_delete:
        _note(state.session, state.statement.table.name)
