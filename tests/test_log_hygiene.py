"""Logs carry a request id and no phone number or token (issue 15): the access log and every
application log line a request causes."""

import io
import json
import logging
import os

import pytest
from flask import Flask

from server.core import accesslog, logs

TOKEN = "eyJ1aWQiOjMsInZlciI6MX0.aw7zAg.pqnGdRsnh23pDvPZaF6kSYLLn28"


@pytest.fixture
def logged(tmp_path):
    app = Flask(__name__)

    @app.get("/hello")
    def hello():
        return {"status": "ok"}

    path = tmp_path / "access.log"
    accesslog.install(app, str(path))
    yield app.test_client(), path
    os.close(app.wsgi_app.fd)


def _line(path) -> dict:
    (line,) = path.read_text().splitlines()
    return json.loads(line)


def test_every_answer_names_its_request_id_made_here_when_no_proxy_sent_one(logged):
    client, path = logged

    answer = client.get("/hello", buffered=True)

    made = answer.headers["X-Request-Id"]
    assert len(made) == 16
    assert _line(path)["request_id"] == made


def test_a_proxys_request_id_is_kept_and_a_malformed_one_replaced(logged):
    client, _ = logged

    assert client.get("/hello", headers={"X-Request-Id": "nginx-42"}).headers["X-Request-Id"] == "nginx-42"
    odd = client.get("/hello", headers={"X-Request-Id": 'a b"c'}).headers["X-Request-Id"]
    assert odd != 'a b"c' and len(odd) == 16


def test_the_access_log_masks_a_searched_phone_and_leaves_out_a_links_signature(logged):
    client, path = logged

    client.get(f"/media/{TOKEN}?q=13812341234", buffered=True)

    line = _line(path)
    assert line["query"] == "q=138****1234"
    assert line["path"] == "/media/<token>"
    assert TOKEN not in json.dumps(line)


def test_an_application_log_line_in_a_request_names_it_and_masks_phone_and_token(app):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(logs.FORMAT))
    handler.addFilter(logs.RequestLogFilter())
    logger = logging.getLogger("tests.log_hygiene")
    logger.addHandler(handler)
    try:
        with app.test_request_context(headers={"X-Request-Id": "req-9"}):
            logger.warning("bound %s, Authorization: Bearer %s", "13812341234", TOKEN)
        logger.warning("outside a request")
    finally:
        logger.removeHandler(handler)

    inside, outside = stream.getvalue().splitlines()
    assert "[req-9]" in inside and "138****1234" in inside
    assert TOKEN not in inside and "13812341234" not in inside
    assert "[-]" in outside


def test_the_processes_log_handlers_carry_the_filter_once(app):
    logs.install()
    logs.install()

    for handler in logging.getLogger().handlers:
        assert sum(isinstance(f, logs.RequestLogFilter) for f in handler.filters) == 1
