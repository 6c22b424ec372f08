"""The README's walk-through works when pasted, against a server with the demo data."""

import json
import os
import re
import subprocess
from pathlib import Path

from server.core.extensions import db
from server.entrypoints import demo

README = Path(__file__).resolve().parent.parent / "README.md"


def _run_walk_through(app, live_server, introduced_by: str) -> list[str]:
    """The README's script after ``introduced_by``, run by bash against the demo; its lines."""
    with app.app_context():
        demo.load()
        db.session.commit()
    script = re.search(rf"{introduced_by}.*?```sh\n(.*?)```", README.read_text(), re.S).group(1)
    port = live_server.rsplit(":", 1)[1]

    result = subprocess.run(
        ["bash", "-c", script],
        # Unbuffered Python (as many shells have it) writes a line and its newline apart.
        env={"PORT": port, "PATH": os.environ["PATH"], "PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_the_readme_walk_through_takes_a_wish_from_post_to_closed(app, live_server):
    lines = _run_walk_through(app, live_server, "paste this into a shell")

    assert re.fullmatch(r"posted wish \d+", lines[0])
    assert lines[1:6] == ["open", "claimed", "fulfilled", "confirmed", "closed"]
    timeline = json.loads(lines[6])
    assert [event["action"] for event in timeline] == ["post", "approve", "claim", "fulfil", "confirm", "close"]
    assert lines[-1] == "12"


def test_the_community_walk_through_holds_three_places_credits_once_and_hands_over_a_reward(app, live_server):
    lines = _run_walk_through(app, live_server, "this second walk-through")

    assert re.fullmatch(r"activity \d+", lines[0])
    assert lines[1:3] == ["3 signed_up", "7 waitlisted"]
    credits = json.loads(lines[3])
    assert [(credit["hours"], credit["points"]) for credit in credits] == [(1.0, 10)] * 3
    assert lines[4:] == ["409", "pending", "collected"]
