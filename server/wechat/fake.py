"""A local stand-in for api.weixin.qq.com, speaking the real formats and error codes.

`make run` and the tests start it on 127.0.0.1 when WECHAT_API_BASE is unset. The login
code ``dev:<openid>`` logs in as ``<openid>``; any other code fails as WeChat fails it.
"""

import hashlib
import json
import secrets
import threading

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class FakeWeChat:
    def __init__(self, appid: str, secret: str):
        self.appid = appid
        self.secret = secret
        self.calls: list[str] = []

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.calls.append(request.path)
        handler = {"/sns/jscode2session": self.jscode2session}.get(request.path)
        body = handler(request) if handler else _error(-1, "system error")
        return Response(json.dumps(body, ensure_ascii=False), content_type="application/json")(environ, start_response)

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


def _error(errcode: int, errmsg: str) -> dict:
    return {"errcode": errcode, "errmsg": f"{errmsg} rid: {secrets.token_hex(4)}"}


class FakeWeChatServer:
    """The fake on a free loopback port, served from a daemon thread."""

    def __init__(self, appid: str, secret: str, host: str = "127.0.0.1", port: int = 0):
        self.app = FakeWeChat(appid, secret)
        self._server = make_server(host, port, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-wechat", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self._server.host}:{self._server.port}"

    def start(self) -> "FakeWeChatServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
