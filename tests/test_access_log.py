"""server/core/accesslog.py: one JSON line per answer, whatever the answer, with what the server cannot see."""

import json
import os

import pytest
from flask import Flask, Response

from server.core import accesslog


@pytest.fixture
def logged_app(tmp_path):
    app = Flask(__name__)

    @app.get("/hello")
    def hello():
        return {"status": "ok"}

    @app.get("/stream")
    def stream():
        return Response((part for part in (b"one,", b"two,", b"three")), mimetype="text/plain")

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    path = tmp_path / "access.log"
    accesslog.install(app, str(path))
    yield app, path
    os.close(app.wsgi_app.fd)


def _lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_answer_leaves_one_line_with_its_status_size_and_request_id(logged_app):
    app, path = logged_app
    client = app.test_client()
    ok = client.get("/hello?x=%22quoted%22", headers={"X-Request-Id": "req-7"}, buffered=True)
    missing = client.get("/nowhere", buffered=True)

    first, second = _lines(path)
    assert first["path"] == "/hello"
    assert first["query"] == "x=%22quoted%22"
    assert first["status"] == 200
    assert first["bytes"] == len(ok.data)
    assert first["request_id"] == "req-7"
    assert first["duration_ms"] >= 0
    assert second["status"] == 404
    assert second["bytes"] == len(missing.data)
    assert second["request_id"] == missing.headers["X-Request-Id"], "made here when no proxy sent one"


def test_a_streamed_body_is_counted_whole_and_logged_once_it_is_closed(logged_app):
    app, path = logged_app
    response = app.test_client().get("/stream", buffered=False)
    assert not path.read_text(), "logged before the body was sent"

    body = b"".join(response.response)
    response.close()

    assert body == b"one,two,three"
    (line,) = _lines(path)
    assert line["bytes"] == len(body)


def test_a_request_that_fails_inside_the_app_is_logged_as_500(logged_app):
    app, path = logged_app
    assert app.test_client().get("/boom", buffered=True).status_code == 500
    (line,) = _lines(path)
    assert line["status"] == 500
    assert line["path"] == "/boom"


def test_no_destination_means_no_log_and_the_app_untouched():
    app = Flask(__name__)
    wsgi_app = app.wsgi_app
    accesslog.install(app, "")
    assert app.wsgi_app == wsgi_app
