"""CPU time each part of the system spends during a figure: what limits it, measured.

Every process here shares the machine's cores, so a request's cost is the CPU it takes from
all of them: the app (the web server's main process and workers), PostgreSQL (the cluster's
processes), the fake WeChat (a Python server standing in for WeChat's content check), and
wrk itself. Read from /proc (Linux): user + system time of each process tree.
"""

import contextlib
import os
import resource
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0  # ended meanwhile: its time is lost, a small undercount
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (name)": state is fields[0]
    return (int(fields[11]) + int(fields[12])) / TICKS


def _children(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(FileNotFoundError):  # a thread that ended meanwhile
            children += [int(child) for child in (task / "children").read_text().split()]
    return children


def tree(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending += _children(current)
    return found


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _waited_children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Meter:
    """CPU seconds per group between ``start()`` and ``stop()``; ``groups`` name the root pid of
    each process tree, and "wrk" is every child this process waited for meanwhile (the load
    generator, run to completion between the two)."""

    def __init__(self, groups: dict[str, int]):
        self.groups = groups

    def _now(self) -> dict[str, float]:
        spent = {name: sum(_cpu_seconds(pid) for pid in tree(root)) for name, root in self.groups.items()}
        spent["wrk"] = _waited_children_seconds()
        return spent

    def start(self) -> None:
        self._started = self._now()

    def stop(self) -> dict[str, float]:
        ended = self._now()
        return {name: ended[name] - self._started[name] for name in ended}
