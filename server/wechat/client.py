"""A small client for WeChat's server APIs over urllib3.

Every call has connect and read timeouts and checks ``errcode`` (WeChat answers most failures
with HTTP 200); ``errmsg`` ends with a ``rid`` that WeChat support asks for, so it is logged.
Nothing here retries in a loop: a refused access token is replaced and the call retried once;
everything else is raised as a typed exception (server.wechat.errors) for the caller to decide.
"""

import functools
import json
import logging
import os
from dataclasses import dataclass
from urllib.parse import urlencode

import urllib3
from flask import current_app
from requests.utils import get_environ_proxies
from urllib3.exceptions import ConnectTimeoutError, HTTPError, MaxRetryError

from server.wechat import tokens
from server.wechat.errors import (
    ContentRisky,
    InvalidRequest,
    NoAnswer,
    NotSent,
    TokenExpired,
    WeChatError,
    error_for,
)

log = logging.getLogger(__name__)

# No retries inside urllib3 (a connection that fails is raised, a read is never repeated), as
# requests' adapter did: what is worth repeating is the caller's to decide (module docstring).
_NO_RETRIES = urllib3.Retry(total=0, read=False, redirect=False)
# Connections kept open per API base, as many as requests' pools kept: a gthread worker's
# threads share them.
_POOL_SIZE = 10


@dataclass(frozen=True)
class LoginSession:
    openid: str
    session_key: str
    unionid: str | None = None


def _config(key: str):
    return current_app.config[key]


def _send(method: str, path: str, *, params=None, body=None, image: bool = False):
    """One HTTP exchange. Returns the JSON answer, or image bytes when ``image`` and WeChat sent one."""
    base = _config("WECHAT_API_BASE").rstrip("/")
    target = path + "?" + urlencode(params) if params else path
    timeout = urllib3.Timeout(
        connect=_config("WECHAT_CONNECT_TIMEOUT_SECONDS"), read=_config("WECHAT_READ_TIMEOUT_SECONDS")
    )
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    headers = {"Content-Type": "application/json; charset=utf-8"} if data is not None else {}
    try:
        response = _pool(base).urlopen(
            method, target, body=data, headers=headers, timeout=timeout, retries=_NO_RETRIES, redirect=False
        )
    except HTTPError as exc:
        log.warning("wechat %s unreachable: %s", path, _failure_name(exc))
        failure = NotSent if _never_connected(exc) else NoAnswer
        raise failure(-1, f"unreachable: {_failure_name(exc)}") from exc
    if image and response.status < 400 and response.headers.get("Content-Type", "").startswith("image/"):
        return response.data
    try:
        answer = json.loads(response.data)
    except ValueError:
        # Most likely a proxy's error page: what stood behind it may have done the work.
        log.warning("wechat %s answered HTTP %s without JSON", path, response.status)
        raise NoAnswer(-1, f"HTTP {response.status} without JSON") from None
    errcode = answer.get("errcode", 0) if isinstance(answer, dict) else -1
    if errcode:
        errmsg = answer.get("errmsg", "")
        log.warning("wechat %s failed: errcode=%s errmsg=%s", path, errcode, errmsg)
        raise error_for(errcode, errmsg)
    if image:
        raise WeChatError(-1, "expected an image")
    return answer


@functools.cache
def _pool(base: str):
    """The connections to ``base``, made once per API base with what the environment says for
    it (HTTPS_PROXY, NO_PROXY, a CA bundle): read per call, that was a third of a content
    check's CPU. A ~/.netrc is not consulted: every call authenticates with its own parameters."""
    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    tls = {"ca_certs": ca_bundle} if ca_bundle and base.startswith("https:") else {}
    proxy = get_environ_proxies(base).get(base.split(":", 1)[0])
    if proxy:
        return _Proxied(urllib3.ProxyManager(proxy, maxsize=_POOL_SIZE, **tls), base)
    return urllib3.connection_from_url(base, maxsize=_POOL_SIZE, **tls)


@dataclass(frozen=True)
class _Proxied:
    """A proxy's connections, called like a pool of ``base``: a proxy takes the whole URL."""

    manager: urllib3.ProxyManager
    base: str

    def urlopen(self, method: str, target: str, **options):
        return self.manager.urlopen(method, self.base + target, **options)


def _never_connected(exc: HTTPError) -> bool:
    """No connection was made, so nothing was sent: refused, no route, no such host, or the
    connect timed out (urllib3's connection errors are connect timeouts). Anything later (a
    read timeout, a connection dropped mid-answer) may have come after WeChat received the call."""
    reason = exc.reason if isinstance(exc, MaxRetryError) else exc
    return isinstance(reason, ConnectTimeoutError)


def _failure_name(exc: HTTPError) -> str:
    reason = exc.reason if isinstance(exc, MaxRetryError) and exc.reason is not None else exc
    return reason.__class__.__name__


def _fetch_stable_token() -> tuple[str, int]:
    answer = _send(
        "POST",
        "/cgi-bin/stable_token",
        body={
            "grant_type": "client_credential",
            "appid": _config("WECHAT_APPID"),
            "secret": _config("WECHAT_SECRET"),
            "force_refresh": False,
        },
    )
    return answer["access_token"], int(answer["expires_in"])


def _with_token(method: str, path: str, *, body=None, image: bool = False):
    """Call with the shared access token; if WeChat refuses the token, replace it and retry once."""
    token = _token()
    try:
        return _send(method, path, params={"access_token": token}, body=body, image=image)
    except TokenExpired:
        tokens.drop_token(token)
        fresh = _token()
        return _send(method, path, params={"access_token": fresh}, body=body, image=image)


def _token() -> str:
    """The shared access token. A token fetch left unanswered is, for the call that needed
    the token, a call never made."""
    try:
        return tokens.get_token(_fetch_stable_token)
    except NoAnswer as exc:
        raise NotSent(exc.errcode, f"no access token: {exc.errmsg}") from exc


# -- the calls the product makes ---------------------------------------------------------------


def code_to_session(code: str) -> LoginSession:
    """Exchange a wx.login code. Codes are single-use: never retried, not even once."""
    answer = _send(
        "GET",
        "/sns/jscode2session",
        params={
            "appid": _config("WECHAT_APPID"),
            "secret": _config("WECHAT_SECRET"),
            "js_code": code,
            "grant_type": "authorization_code",
        },
    )
    return LoginSession(openid=answer["openid"], session_key=answer["session_key"], unionid=answer.get("unionid"))


def check_text(content: str, *, openid: str, scene: int, title: str | None = None) -> str:
    """msg_sec_check v2: "pass", "review" or "risky" (v1's errcode 87014 counts as risky)."""
    body = {"content": content, "version": 2, "scene": scene, "openid": openid}
    if title:
        body["title"] = title
    try:
        answer = _with_token("POST", "/wxa/msg_sec_check", body=body)
    except ContentRisky:
        return "risky"
    suggest = (answer.get("result") or {}).get("suggest")
    if suggest not in ("pass", "review", "risky"):
        raise WeChatError(-1, f"unexpected verdict {suggest!r}")
    return suggest


def check_media_async(media_url: str, *, openid: str, scene: int) -> str:
    """media_check_async: the verdict arrives later at the push endpoint; returns its trace_id."""
    answer = _with_token(
        "POST",
        "/wxa/media_check_async",
        body={"media_url": media_url, "media_type": 2, "version": 2, "scene": scene, "openid": openid},
    )
    return answer["trace_id"]


def send_subscribe_message(*, touser: str, template_id: str, data: dict, page: str | None, state: str) -> None:
    body = {
        "touser": touser,
        "template_id": template_id,
        "data": {key: {"value": value} for key, value in data.items()},
        "miniprogram_state": state,
        "lang": "zh_CN",
    }
    if page:
        body["page"] = page
    _with_token("POST", "/cgi-bin/message/subscribe/send", body=body)


def get_phone_number(code: str) -> dict:
    """The ``phone_info`` for a getPhoneNumber code (single-use, so a refused token is the only retry)."""
    answer = _with_token("POST", "/wxa/business/getuserphonenumber", body={"code": code})
    info = answer.get("phone_info")
    if not isinstance(info, dict):
        raise InvalidRequest(-1, "no phone_info in the answer")
    return info


def get_unlimited_qrcode(*, scene: str, page: str, env_version: str, width: int = 430) -> bytes:
    """A mini-program code (PNG bytes). Failure comes back as JSON: decided by Content-Type."""
    return _with_token(
        "POST",
        "/wxa/getwxacodeunlimit",
        body={"scene": scene, "page": page, "check_path": False, "env_version": env_version, "width": width},
        image=True,
    )
