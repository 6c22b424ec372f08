"""`make serve`: the web server (granian) and the scheduler as two processes under
server/entrypoints/serve.py, JSON access logs, a worker that dies replaced, and a SIGTERM that lets
an in-flight request finish before both exit 0."""

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from server.entrypoints import web_server
from server.wechat.fake import FakeWeChatServer

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(predicate, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture
def serving(tmp_path):
    """`python -m server.entrypoints.serve` with 2 workers on a free port, a SQLite file and its own fake WeChat."""
    fake = FakeWeChatServer("wx-dev-appid", "wx-dev-secret").start()
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    env.update(
        MICROWISH_ENV="development",
        DATABASE_URL=f"sqlite:///{tmp_path}/serve.db",
        FLASK_WECHAT_API_BASE=fake.base_url,
        FLASK_UPLOAD_FOLDER=str(tmp_path / "uploads"),
        WEB_CONCURRENCY="2",
        PORT=str(port),
    )
    env.pop("BIND", None)
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.entrypoints.serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"

    def healthy():
        assert process.poll() is None, log_path.read_text()
        try:
            return requests.get(f"{base}/healthz", timeout=5).status_code == 200
        except requests.RequestException:  # not listening yet, or no worker booted yet
            return False

    _wait_for(healthy, "/healthz")
    yield process, base, fake, log_path
    if process.poll() is None:
        # SIGTERM, which the supervisor passes on; a SIGKILL would leave the web server and the
        # scheduler running after the suite, adopted by init.
        process.terminate()
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for pid in _logged_children(log_path):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    fake.stop()


def _logged_children(log_path: Path) -> list[int]:
    match = re.search(r"serving: web pid (\d+), scheduler pid (\d+)", log_path.read_text())
    return [int(match[1]), int(match[2])] if match else []


def _children(log_path: Path) -> dict:
    match = re.search(r"serving: web pid (\d+), scheduler pid (\d+)", log_path.read_text())
    assert match, log_path.read_text()
    return {"web": int(match[1]), "scheduler": int(match[2])}


def _access_lines(log_path: Path) -> list[dict]:
    records = []
    for line in log_path.read_text().splitlines():
        if line.startswith("{"):
            records.append(json.loads(line))
    return records


def test_serve_writes_one_json_access_line_per_request(serving):
    _process, base, _fake, log_path = serving
    response = requests.get(f"{base}/healthz", headers={"X-Request-Id": "req-42"}, timeout=5)
    assert response.json() == {"status": "ok", "database": "ok"}

    line = _wait_for(
        lambda: next((r for r in _access_lines(log_path) if r.get("request_id") == "req-42"), None), "access line"
    )
    assert line["method"] == "GET"
    assert line["path"] == "/healthz"
    assert line["status"] == 200
    assert line["bytes"] == len(response.content)
    assert line["remote_addr"] == "127.0.0.1"
    assert isinstance(line["duration_ms"], int | float)
    assert line["time"].endswith("+00:00")


def test_sigterm_lets_the_request_in_flight_finish_and_both_processes_exit_0(serving):
    process, base, fake, log_path = serving
    children = _children(log_path)
    # WeChat's login answer comes late, so the request is still in a worker when SIGTERM arrives.
    fake.app.fail_next("/sns/jscode2session", delay=2.0)
    answers = []
    login = threading.Thread(
        target=lambda: answers.append(
            requests.post(f"{base}/api/v1/auth/login", json={"code": "dev:late-resident"}, timeout=30)
        )
    )
    login.start()
    _wait_for(lambda: fake.app.calls["/sns/jscode2session"] >= 1, "the login to reach WeChat")

    process.send_signal(signal.SIGTERM)
    login.join(timeout=30)

    assert answers, "the in-flight login never answered"
    assert answers[0].status_code == 200
    assert answers[0].json()["token"]
    assert process.wait(timeout=30) == 0, log_path.read_text()
    # The scheduler exits 0, or -15 when SIGTERM came while it was still starting (before its
    # handler was in place: nothing in flight). A scheduler stuck on stop is killed: -9 fails.
    assert re.search(r"stopped: web exit 0, scheduler exit (0|-15)$", log_path.read_text(), re.M)
    for pid in children.values():
        assert not Path(f"/proc/{pid}").exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/healthz", timeout=2)


def test_when_the_scheduler_dies_the_supervisor_stops_the_web_server_and_fails(serving):
    process, _base, _fake, log_path = serving
    children = _children(log_path)

    os.kill(children["scheduler"], signal.SIGKILL)

    assert process.wait(timeout=30) != 0
    assert "scheduler exited with -9" in log_path.read_text()
    assert not Path(f"/proc/{children['web']}").exists()


def test_a_supervisor_killed_outright_takes_the_web_server_and_the_scheduler_with_it(serving):
    process, base, _fake, log_path = serving
    children = _children(log_path)

    process.kill()  # SIGKILL: the supervisor cannot pass anything on
    process.wait(timeout=10)

    for name, pid in children.items():
        _wait_for(lambda pid=pid: _gone(pid), f"{name} to stop", seconds=40)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/healthz", timeout=2)


def _gone(pid: int) -> bool:
    """Exited: no such process, or a zombie its new parent has not reaped yet."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


def test_a_web_worker_killed_outright_is_replaced_and_the_next_requests_are_answered(serving):
    _process, base, _fake, log_path = serving
    workers = _worker_pids(_children(log_path)["web"])
    assert len(workers) == 2

    started = log_path.read_text().count("Started worker")

    os.kill(workers[0], signal.SIGKILL)

    _wait_for(lambda: _gone(workers[0]), "the killed worker to go")
    _wait_for(lambda: len(set(_worker_pids(_children(log_path)["web"])) - {workers[0]}) == 2, "a new worker")
    # Started: its app is loaded and it accepts (booting under load takes seconds).
    _wait_for(lambda: log_path.read_text().count("Started worker") > started, "the new worker to start")
    for _ in range(6):  # both workers answer, whichever takes the connection
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200


def _worker_pids(server_pid: int) -> list[int]:
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    return [int(pid) for pid in children if not _gone(int(pid))]


@pytest.mark.parametrize(
    ("env", "host", "port", "workers", "threads"),
    [
        ({}, "127.0.0.1", "5000", str(2 * os.cpu_count()), "4"),
        ({"PORT": "6123", "WEB_CONCURRENCY": "3", "WEB_THREADS": "8"}, "127.0.0.1", "6123", "3", "8"),
        ({"BIND": "0.0.0.0:8000", "PORT": "6123"}, "0.0.0.0", "8000", str(2 * os.cpu_count()), "4"),
        ({"BIND": "[::]:8000"}, "::", "8000", str(2 * os.cpu_count()), "4"),
    ],
)
def test_web_server_settings_come_from_bind_port_web_concurrency_and_web_threads(env, host, port, workers, threads):
    args = web_server.command(environ=env)
    assert _option(args, "--host") == host
    assert _option(args, "--port") == port
    assert _option(args, "--workers") == workers
    assert _option(args, "--blocking-threads") == threads
    assert args[-1] == "server.entrypoints.wsgi:create_app"
    assert "--workers-lifetime" not in args


def test_workers_are_recycled_only_when_asked_and_never_sooner_than_a_minute():
    args = web_server.command(environ={"WORKERS_LIFETIME": "30", "WORKERS_MAX_RSS": "300"})
    assert _option(args, "--workers-lifetime") == "60"
    assert _option(args, "--workers-max-rss") == "300"


@pytest.mark.parametrize("env", [{"WEB_CONCURRENCY": "two"}, {"BIND": "localhost"}, {"BIND": "host:port"}])
def test_a_malformed_setting_stops_the_start_with_its_name(env):
    with pytest.raises(SystemExit, match=next(iter(env))):
        web_server.command(environ=env)


def _option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]
