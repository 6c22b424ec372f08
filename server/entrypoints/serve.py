"""`make serve`: prepare the database, then run the web server and the scheduler side by side.

Two processes, not one: web workers never schedule jobs (server/jobs/scheduler.py), and a
scheduler that crashes must not take the web workers down with it, nor the reverse without
this supervisor noticing. SIGTERM or SIGINT is passed to both (the web server finishes in-flight
requests, the scheduler gives its lease back); when either exits on its own the other is
stopped and the supervisor exits with a failure, so systemd or the container runtime
restarts the pair.

Settings come from the environment as for `make run` (MICROWISH_ENV, DATABASE_URL,
FLASK_<KEY>); the web server's as server/entrypoints/web_server.py says (BIND, PORT,
WEB_CONCURRENCY, WEB_THREADS, ACCESS_LOG).
"""

import ctypes
import logging
import os
import signal
import subprocess
import sys
import time

from server.core import logs
from server.entrypoints import web_server

log = logging.getLogger("micro-wish.serve")

FLASK = [sys.executable, "-m", "flask", "--app", "server.app:create_app"]
# Schema before start: upgrade to the newest migration (refusing a database made before them).
PREPARE_DATABASE = [*FLASK, "init-db"]
SCHEDULER = [*FLASK, "scheduler"]
# After SIGTERM, how long to wait for both before SIGKILL: the web server's grace and a margin.
STOP_WAIT_SECONDS = web_server.GRACEFUL_SECONDS + 10
# Exit codes of a child stopped as asked: 0, or killed by our SIGTERM itself when it arrived
# before the child had installed its handler (still starting: it had nothing in flight).
CLEAN_STOP = (0, -signal.SIGTERM)
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def main() -> int:
    logs.install()
    prepared = subprocess.run(PREPARE_DATABASE, check=False)
    if prepared.returncode != 0:
        log.error("database preparation failed (exit %s); not starting", prepared.returncode)
        return prepared.returncode or 1

    stopping = False

    def request_stop(signum, _frame):
        nonlocal stopping
        stopping = True
        log.info("%s: stopping the web server and the scheduler", signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    # Own process groups: Ctrl-C in a terminal reaches only this supervisor, which passes on
    # SIGTERM to each child, once, instead of the terminal's SIGINT to every process of the group.
    stop_with_me = _stop_when_parent_dies(os.getpid())
    children = {
        "web": subprocess.Popen(web_server.command(), process_group=0, preexec_fn=stop_with_me),
        "scheduler": subprocess.Popen(SCHEDULER, process_group=0, preexec_fn=stop_with_me),
    }
    log.info("serving: %s", ", ".join(f"{name} pid {child.pid}" for name, child in children.items()))

    died = None
    while not stopping and died is None:
        died = next((name for name, child in children.items() if child.poll() is not None), None)
        time.sleep(0.2)
    if died is not None:
        log.error("%s exited with %s; stopping the rest", died, children[died].returncode)
    codes = _stop_all(children)
    log.info("stopped: %s", ", ".join(f"{name} exit {code}" for name, code in codes.items()))
    if died is not None:
        return children[died].returncode or 1
    return 0 if all(code in CLEAN_STOP for code in codes.values()) else 1


def _stop_when_parent_dies(supervisor_pid: int):
    """What each child runs before exec: on Linux, ask for SIGTERM when the supervisor dies.

    A supervisor killed with SIGKILL (an OOM kill, `kill -9` by hand) cannot pass anything on;
    without this its web server would keep the port and its scheduler the lease, and a restarted
    pair would fail to bind. Elsewhere there is no such call and the service manager's group
    kill has to do it."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)

    def in_child() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != supervisor_pid:  # it died before the request was in place
            os.kill(os.getpid(), signal.SIGTERM)

    return in_child


def _stop_all(children: dict) -> dict:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_WAIT_SECONDS
    codes = {}
    for name, child in children.items():
        try:
            codes[name] = child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.error("%s did not stop within %s s; killing it", name, STOP_WAIT_SECONDS)
            child.kill()
            codes[name] = child.wait()
    return codes


if __name__ == "__main__":
    sys.exit(main())
