"""Outbox throughput through the fake WeChat: messages per second.

    .venv/bin/python -m bench.outbox [--rows 500] [--batch-size 100] [--senders 1] [--in-process]

Queues ``--rows`` subscribe messages (with credits) in a fresh SQLite file, or in the
database named by DATABASE_URL (its tables are dropped and created: use a scratch database),
then runs ``send_due`` until nothing is due and prints the rate. The fake WeChat runs in its
own process (``--in-process``: a thread of this one, sharing its GIL). Each message is one
HTTP call to the fake on loopback plus its share of a claim and one record; the real WeChat
answers in tens of milliseconds, so this measures the backend's own cost, not WeChat's.
Not part of `make test`.
"""

import argparse
import contextlib
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

from sqlalchemy import func, select

from server.app import create_app
from server.core.extensions import db
from server.notifications import sender
from server.notifications.models import Notification, OutboxMessage, SubscribeCredit
from server.wechat.fake import FakeWeChatServer

APPID, SECRET = "wx-bench-appid", "wx-bench-secret"
TEMPLATE = "dev-tpl-wish-progress"
USERS = 50


@contextlib.contextmanager
def fake_wechat(in_process: bool):
    """The fake's base URL, served from a thread or a child process for the duration."""
    if in_process:
        server = FakeWeChatServer(APPID, SECRET).start()
        try:
            yield server.base_url
        finally:
            server.stop()
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "server.wechat.fake", "--port", str(port), "--appid", APPID, "--secret", SECRET]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        child.stdout.readline()  # "fake WeChat on …" once it listens
        yield f"http://127.0.0.1:{port}"
    finally:
        child.terminate()
        child.wait(timeout=10)


def queue(rows: int) -> None:
    from server.accounts.models import User

    users = [User(openid=f"bench-{n}", nickname=f"bench-{n}") for n in range(USERS)]
    db.session.add_all(users)
    db.session.flush()
    for n in range(rows):
        user = users[n % USERS]
        notification = Notification(user_id=user.id, kind="wish_approved", title="心愿已通过审核", body=f"消息{n}")
        data = {"character_string1": f"2026112500{n:04d}", "thing2": f"帮忙取药{n}", "phrase3": "待认领"}
        db.session.add(OutboxMessage(notification=notification, user_id=user.id, template_id=TEMPLATE, data=data))
    for user in users:
        db.session.add(SubscribeCredit(user_id=user.id, template_id=TEMPLATE, credits=rows // USERS + 1))
    db.session.commit()


def drain(app, batch_size: int, totals: list) -> None:
    with app.app_context():
        while True:
            counts = sender.send_due(batch_size=batch_size)
            totals.append(counts["sent"])
            if not counts["claimed"]:
                return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--senders", type=int, default=1, help="concurrent senders (threads)")
    parser.add_argument("--in-process", action="store_true", help="serve the fake from a thread of this process")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    with fake_wechat(args.in_process) as base_url:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "WECHAT_API_BASE": base_url,
                "WECHAT_APPID": APPID,
                "WECHAT_SECRET": SECRET,
                "DEMO_DATA": False,
            },
            env_name="development",
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            queue(args.rows)

        totals: list = []
        started = time.perf_counter()
        threads = [threading.Thread(target=drain, args=(app, args.batch_size, totals)) for _ in range(args.senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started

    with app.app_context():
        stored = db.session.scalar(select(func.count()).where(OutboxMessage.status == "sent"))
    sent = sum(totals)
    where = "in-process" if args.in_process else "separate process"
    print(
        f"{sent} messages in {elapsed:.2f} s: {sent / elapsed:.0f} messages/s "
        f"({app.config['SQLALCHEMY_DATABASE_URI'].split(':', 1)[0]}, {args.senders} sender(s), fake in a {where})"
    )
    if sent != args.rows or stored != args.rows:
        raise SystemExit(f"expected {args.rows} sent, counted {sent}, stored as sent {stored}")


if __name__ == "__main__":
    main()
