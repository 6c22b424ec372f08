"""`make fuzz`: schemathesis against the served OpenAPI document, as several people.

The development server (demo data in a scratch SQLite database, the fake WeChat) is started on
a free 127.0.0.1 port; each role logs in as the demo account the mini-program would use and
schemathesis runs every phase (examples, coverage, fuzzing, stateful) with the checks
``not_a_server_error``, ``status_code_conformance`` and ``response_schema_conformance``, within
FUZZ_SECONDS in all (default 300) split between the roles. A fixed seed (FUZZ_SEED) makes a run
repeatable. Prints the cases per role and exits 1 on any failure.

Left out: logging out and erasing oneself, which would end the very session being fuzzed.
"""

import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("FUZZ_SECONDS") or 300)
SEED = os.environ.get("FUZZ_SEED") or "20261201"
# The demo accounts (server/entrypoints/demo.py); None runs without a token.
ROLES = {
    "anonymous": None,
    "resident": "demo-resident",
    "party member": "demo-party-member",
    "grid worker": "demo-grid-worker",
    "district admin": "demo-admin",
}
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
PHASES = "examples,coverage,fuzzing,stateful"
SELF_ENDING = ("POST /api/v1/auth/logout", "DELETE /api/v1/me")


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="fuzz-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "MICROWISH_ENV": "development",
        "DATABASE_URL": f"sqlite:///{work / 'fuzz.db'}",
        "PORT": str(port),
        "FLASK_UPLOAD_FOLDER": str(work / "uploads"),
    }
    env.pop("WECHAT_API_BASE", None)
    env.pop("FLASK_WECHAT_API_BASE", None)
    log = (work / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "server.entrypoints.devserver"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    try:
        _wait_for(base + "/livez", server, work)
        budget = max(30, SECONDS // len(ROLES))
        results = {}
        for role, openid in ROLES.items():
            results[role] = _fuzz(base, role, _token(base, openid) if openid else None, budget, work)
    finally:
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=20)
        log.close()
    print("\n| role | cases | failures |\n|---|---|---|")
    for role, (cases, failures, _code) in results.items():
        print(f"| {role} | {cases} | {failures} |")
    total_cases = sum(cases for cases, _f, _c in results.values())
    total_failures = sum(failures for _c, failures, _code in results.values())
    broken = [role for role, (_cases, _f, code) in results.items() if code not in (0, 1)]
    print(f"| all | {total_cases} | {total_failures} |")
    if broken:
        print(f"fuzz: schemathesis could not run for {', '.join(broken)} (see above)")
        return 2
    print("fuzz: " + ("0 failures" if not total_failures else f"{total_failures} FAILURES"))
    return 1 if total_failures else 0


def _fuzz(base: str, role: str, token: str | None, seconds: int, work: Path) -> tuple[int, int, int]:
    print(f"\nfuzz: {role}, {seconds} s", flush=True)
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{base}/api/v1/openapi.json",
        "--checks",
        CHECKS,
        "--phases",
        PHASES,
        "--max-time",
        str(seconds),
        "--seed",
        SEED,
        "--workers",
        "2",
        "--no-color",
        "--suppress-health-check",
        "all",
    ]
    for name in SELF_ENDING:  # by name (method and path): excluding the path would drop GET /me too
        command += ["--exclude-name", name]
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    result = subprocess.run(command, cwd=work, capture_output=True, text=True)
    output = result.stdout + result.stderr
    summary = output[output.rfind("SUMMARY") :] if "SUMMARY" in output else output[-4000:]
    print(summary.strip()[-2500:], flush=True)
    cases = _number(r"(\d+) generated", output)
    failures = _number(r"(\d+) failed", summary) + _number(r"(\d+) errored", summary)
    return cases, failures, result.returncode


def _number(pattern: str, text: str) -> int:
    match = re.search(pattern, text)
    return int(match[1]) if match else 0


def _token(base: str, openid: str) -> str:
    answer = requests.post(f"{base}/api/v1/auth/login", json={"code": f"dev:{openid}"}, timeout=10)
    answer.raise_for_status()
    return answer.json()["token"]


def _wait_for(url: str, server: subprocess.Popen, work: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise SystemExit(f"fuzz: the server did not start:\n{(work / 'server.log').read_text()[-3000:]}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
