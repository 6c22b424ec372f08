"""Flask's cookie session is built only for a request that brings the cookie
(server/core/sessions.py); one that does is read and verified as Flask always did."""

from flask import Flask, session

from server.core.sessions import CookieSessionOnlyWhenSent


def _app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "a-test-secret-of-some-length"
    app.session_interface = CookieSessionOnlyWhenSent()

    @app.post("/remember/<word>")
    def remember(word):
        session["word"] = word
        return {"stored": word}

    @app.get("/recall")
    def recall():
        return {"word": session.get("word")}

    return app


def test_a_session_set_in_one_request_is_read_back_in_the_next():
    client = _app().test_client()
    client.post("/remember/你好")
    assert client.get("/recall").get_json() == {"word": "你好"}


def test_a_request_without_the_cookie_gets_an_empty_session_and_sets_no_cookie():
    answer = _app().test_client().get("/recall")
    assert answer.get_json() == {"word": None}
    assert "Set-Cookie" not in answer.headers


def test_a_forged_session_cookie_is_ignored():
    client = _app().test_client()
    client.set_cookie("session", "eyJ3b3JkIjoiZm9yZ2VkIn0.forged.signature")
    assert client.get("/recall").get_json() == {"word": None}
