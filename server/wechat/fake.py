"""A local stand-in for api.weixin.qq.com, speaking the real formats and error codes.

`make run` and the tests start it on 127.0.0.1 when WECHAT_API_BASE is unset; `python -m
server.wechat.fake --port 8901` serves it alone for FLASK_WECHAT_API_BASE. The login code
``dev:<openid>`` logs in as ``<openid>``; any other code fails as WeChat fails it (40029).
The phone code ``phone:<number>`` answers that number.

Tests drive it into WeChat's faults: ``fail_next`` (an errcode, a slow answer, a non-JSON
page), ``expire_token`` (the cached token stops working), and words that make the content
check answer ``review`` or ``risky``.
"""

import argparse
import contextlib
import hashlib
import io
import json
import logging
import secrets
import struct
import sys
import threading
import time
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import requests
from werkzeug.wrappers import Request, Response

log = logging.getLogger(__name__)

TOKEN_PATHS = {
    "/wxa/msg_sec_check",
    "/wxa/media_check_async",
    "/cgi-bin/message/subscribe/send",
    "/wxa/business/getuserphonenumber",
    "/wxa/getwxacodeunlimit",
}

# Keyword value limits of subscribe messages (WECHAT.md): type -> max characters.
KEYWORD_LIMITS = {"thing": 20, "phrase": 5, "name": 20, "character_string": 32, "number": 32, "letter": 32}
SCENE_CHARS = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$&'()*+,/:;=?@-._~")


@dataclass
class Fault:
    errcode: int | None = None
    delay: float = 0.0
    http_status: int | None = None  # answer with this status and an HTML page instead of JSON


class FakeWeChat:
    def __init__(self, appid: str, secret: str, *, push_url: str | None = None, push_token: str | None = None):
        self.appid = appid
        self.secret = secret
        self.push_url = push_url
        self.push_token = push_token
        self.lock = threading.Lock()
        self.calls: Counter = Counter()
        self.faults: dict[str, list[Fault]] = defaultdict(list)
        self.risky_words = {"赌博", "代开发票"}
        self.review_words = {"加微信", "转账"}
        self.media_verdicts: dict[str, str] = {}  # media_url substring -> suggest
        self.sent_messages: list[dict] = []
        self.media_checks: list[dict] = []
        self.text_checks: list[dict] = []
        self._token = ""
        self._token_expires = 0.0
        self._rotate_token()
        # Bumped by reset(): a delayed answer still sleeping when a test ended records nothing
        # in the next test's lists.
        self._generation = 0

    # -- test controls -------------------------------------------------------------------------

    def fail_next(self, path: str, errcode: int | None = None, *, times: int = 1, delay: float = 0.0, http_status=None):
        with self.lock:
            self.faults[path].extend(Fault(errcode, delay, http_status) for _ in range(times))

    def expire_token(self) -> None:
        """The token callers hold stops working (42001), as when WeChat's 2 hours run out."""
        with self.lock:
            self._rotate_token()

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.faults.clear()
            self.sent_messages.clear()
            self.media_checks.clear()
            self.text_checks.clear()
            self.media_verdicts.clear()
            self._generation += 1

    @property
    def current_token(self) -> str:
        return self._token

    # -- WSGI ------------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        path = request.path
        with self.lock:
            self.calls[path] += 1
            fault = self.faults[path].pop(0) if self.faults.get(path) else None
            generation = self._generation
        if fault and fault.delay:
            time.sleep(fault.delay)
            if generation != self._generation:  # reset meanwhile: the caller belongs to a finished test
                return Response(json.dumps(_error(-1, "reset")), content_type="application/json")(
                    environ, start_response
                )
        if fault and fault.http_status:
            return Response("<html>502 Bad Gateway</html>", status=fault.http_status, mimetype="text/html")(
                environ, start_response
            )
        if fault and fault.errcode is not None:
            answer = _error(fault.errcode, "injected fault")
        else:
            answer = self._answer(request)
        if isinstance(answer, bytes):
            return Response(answer, mimetype="image/png")(environ, start_response)
        body = json.dumps(answer, ensure_ascii=False)
        return Response(body, content_type="application/json; charset=utf-8")(environ, start_response)

    def _answer(self, request: Request):
        handlers = {
            "/sns/jscode2session": self.jscode2session,
            "/cgi-bin/stable_token": self.stable_token,
            "/cgi-bin/token": lambda _request: _error(-1, "this project must use stable_token"),
            "/wxa/msg_sec_check": self.msg_sec_check,
            "/wxa/media_check_async": self.media_check_async,
            "/cgi-bin/message/subscribe/send": self.subscribe_send,
            "/wxa/business/getuserphonenumber": self.get_phone_number,
            "/wxa/getwxacodeunlimit": self.getwxacodeunlimit,
        }
        handler = handlers.get(request.path)
        if handler is None:
            return _error(-1, "system error")
        if request.path in TOKEN_PATHS:
            refused = self._check_token(request.args.get("access_token", ""))
            if refused:
                return refused
        if request.method == "POST" and request.path != "/sns/jscode2session":
            try:
                body = json.loads(request.get_data() or b"{}")
            except ValueError:
                return _error(47001, "data format error")
            if not isinstance(body, dict):
                return _error(47001, "data format error")
            return handler(body)
        return handler(request)

    def _check_token(self, token: str):
        with self.lock:
            if token != self._token:
                return _error(40001, "invalid credential, access_token is invalid or not latest")
            if time.time() >= self._token_expires:
                return _error(42001, "access_token expired")
        return None

    def _rotate_token(self) -> None:
        self._token = "fake-token-" + secrets.token_hex(8)
        self._token_expires = time.time() + 7200

    # -- endpoints -------------------------------------------------------------------------------

    def jscode2session(self, request: Request) -> dict:
        args = request.args
        if args.get("appid") != self.appid:
            return _error(40013, "invalid appid")
        if args.get("secret") != self.secret:
            return _error(40125, "invalid appsecret")
        code = args.get("js_code", "")
        if args.get("grant_type") != "authorization_code" or not code.startswith("dev:") or len(code) <= 4:
            return _error(40029, "invalid code")
        openid = code[4:]
        # Stable per openid, like WeChat's session_key between logins of one device.
        session_key = hashlib.sha256(f"{self.secret}:{openid}".encode()).hexdigest()[:24]
        return {"openid": openid, "session_key": session_key}

    def stable_token(self, body: dict) -> dict:
        if body.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        if body.get("appid") != self.appid:
            return _error(40013, "invalid appid")
        if body.get("secret") != self.secret:
            return _error(40125, "invalid appsecret")
        with self.lock:
            if body.get("force_refresh") or time.time() >= self._token_expires:
                self._rotate_token()
            return {"access_token": self._token, "expires_in": int(self._token_expires - time.time())}

    def msg_sec_check(self, body: dict) -> dict:
        if body.get("version") != 2 or body.get("scene") not in (1, 2, 3, 4) or not body.get("openid"):
            return _error(47001, "data format error")
        self.text_checks.append(body)
        content = str(body.get("title", "")) + "\n" + str(body.get("content", ""))
        if len(str(body.get("content", ""))) > 2500:
            return _error(47001, "content too long")
        if any(word in content for word in self.risky_words):
            suggest, label = "risky", 20006
        elif any(word in content for word in self.review_words):
            suggest, label = "review", 10001
        else:
            suggest, label = "pass", 100
        return {
            "errcode": 0,
            "errmsg": "ok",
            "trace_id": secrets.token_hex(12),
            "result": {"suggest": suggest, "label": label},
            "detail": [{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label}],
        }

    def media_check_async(self, body: dict) -> dict:
        if body.get("media_type") != 2 or body.get("version") != 2 or not body.get("openid"):
            return _error(47001, "data format error")
        trace_id = secrets.token_hex(12)
        check = {"trace_id": trace_id, **body}
        self.media_checks.append(check)
        if self.push_url:
            threading.Thread(target=self._push_verdict, args=(check,), daemon=True).start()
        return {"errcode": 0, "errmsg": "ok", "trace_id": trace_id}

    def verdict_for(self, media_url: str) -> str:
        return next((suggest for part, suggest in self.media_verdicts.items() if part in media_url), "pass")

    def push_event(self, check: dict) -> tuple[dict, dict]:
        """The ``wxa_media_check`` push for one check: (query params with signature, JSON body)."""
        suggest = self.verdict_for(check["media_url"])
        label = 100 if suggest == "pass" else 20002
        body = {
            "ToUserName": "gh_fake",
            "FromUserName": check["openid"],
            "CreateTime": int(time.time()),
            "MsgType": "event",
            "Event": "wxa_media_check",
            "appid": self.appid,
            "trace_id": check["trace_id"],
            "version": 2,
            "result": {"suggest": suggest, "label": label},
            "detail": [{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label}],
        }
        timestamp, nonce = str(int(time.time())), secrets.token_hex(6)
        signature = hashlib.sha1("".join(sorted([self.push_token or "", timestamp, nonce])).encode()).hexdigest()
        return {"signature": signature, "timestamp": timestamp, "nonce": nonce}, body

    def _push_verdict(self, check: dict) -> None:
        time.sleep(0.2)  # WeChat answers later, never inside the request that asked
        params, body = self.push_event(check)
        # WeChat does not retry much either: on failure the photo stays "checking".
        with contextlib.suppress(requests.RequestException):
            requests.post(self.push_url, params=params, json=body, timeout=5)

    def subscribe_send(self, body: dict) -> dict:
        if not body.get("touser") or not body.get("template_id"):
            return _error(47001, "data format error")
        if str(body["touser"]).startswith("bad-"):
            return _error(40003, "invalid openid")
        for key, item in (body.get("data") or {}).items():
            value = str((item or {}).get("value", ""))
            kind = key.rstrip("0123456789")
            limit = KEYWORD_LIMITS.get(kind)
            if (limit and len(value) > limit) or (kind == "time" and "年" not in value and ":" not in value):
                return _error(47003, f'argument invalid! data.{key}.value invalid "{value}"')
        self.sent_messages.append(body)
        return {"errcode": 0, "errmsg": "ok", "msgid": len(self.sent_messages)}

    def get_phone_number(self, body: dict) -> dict:
        code = str(body.get("code", ""))
        number = code.removeprefix("phone:")
        if not code.startswith("phone:") or not number.isdigit():
            return _error(40029, "invalid code")
        return {
            "errcode": 0,
            "errmsg": "ok",
            "phone_info": {
                "phoneNumber": number,
                "purePhoneNumber": number,
                "countryCode": "86",
                "watermark": {"timestamp": int(time.time()), "appid": self.appid},
            },
        }

    def getwxacodeunlimit(self, body: dict):
        scene = str(body.get("scene", ""))
        page = str(body.get("page", ""))
        if not 1 <= len(scene) <= 32:
            return _error(40169, "invalid length for scene")
        if not set(scene) <= SCENE_CHARS:
            return _error(40129, "invalid scene")
        if page.startswith("/") or "?" in page:
            return _error(41030, "invalid page")
        return tiny_png(scene)


def _error(errcode: int, errmsg: str) -> dict:
    return {"errcode": errcode, "errmsg": f"{errmsg} rid: {secrets.token_hex(4)}"}


def tiny_png(seed: str) -> bytes:
    """A valid 8x8 greyscale PNG whose pixels depend on ``seed`` (a stand-in mini-program code)."""
    digest = hashlib.sha256(seed.encode()).digest()
    raw = b"".join(b"\x00" + digest[row * 4 : row * 4 + 4] * 2 for row in range(8))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


class _KeepAliveHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive, as WeChat's servers keep a connection: werkzeug's development
    server closes every connection after one answer, so each call paid a new connection and a
    new thread on both sides. Enough of WSGI for the fake (bodies come with a Content-Length)."""

    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes; on a kept-alive connection Nagle's
    # algorithm would hold the body until the client's delayed ACK of the headers (40 ms).
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        host, port = self.server.server_address[:2]
        environ = {
            f"HTTP_{name.upper().replace('-', '_')}": value
            for name, value in self.headers.items()
            if name.lower() not in ("content-type", "content-length")
        }
        environ.update(
            {
                "REQUEST_METHOD": self.command,
                "SCRIPT_NAME": "",
                "PATH_INFO": unquote(path),
                "QUERY_STRING": query,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(length),
                "SERVER_NAME": host,
                "SERVER_PORT": str(port),
                "SERVER_PROTOCOL": self.request_version,
                "REMOTE_ADDR": self.client_address[0],
                "wsgi.version": (1, 0),
                "wsgi.url_scheme": "http",
                "wsgi.input": io.BytesIO(body),
                "wsgi.errors": sys.stderr,
                "wsgi.multithread": True,
                "wsgi.multiprocess": False,
                "wsgi.run_once": False,
            }
        )
        started = []
        answer = b"".join(
            self.server.app(environ, lambda status, headers, exc_info=None: started.append((status, headers)))
        )
        status, headers = started[-1]
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        for name, value in headers:
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = _serve

    def log_request(self, code="-", size="-") -> None:
        log.debug("%s %s %s", self.command, self.path.partition("?")[0], code)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, app):
        super().__init__(address, _KeepAliveHandler)
        self.app = app  # what each request calls (bench/slow_wechat.py wraps it)

    def handle_error(self, request, client_address) -> None:
        # A caller that gave up (its read timeout) has closed the connection: nothing to report.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeWeChatServer:
    """The fake on a loopback port (a free one by default), served from a daemon thread."""

    def __init__(self, appid: str, secret: str, host: str = "127.0.0.1", port: int = 0, **options):
        self.app = FakeWeChat(appid, secret, **options)
        self._server = _Server((host, port), self.app)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-wechat", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeWeChatServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the fake WeChat server API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8901)
    parser.add_argument("--appid", default="wx-dev-appid")
    parser.add_argument("--secret", default="wx-dev-secret")
    parser.add_argument("--push-url", default=None, help="where to push media-check verdicts")
    parser.add_argument("--push-token", default=None)
    args = parser.parse_args()
    server = FakeWeChatServer(
        args.appid, args.secret, port=args.port, push_url=args.push_url, push_token=args.push_token
    )
    print(f"fake WeChat on {server.base_url}", flush=True)
    server._server.serve_forever()


if __name__ == "__main__":
    main()
