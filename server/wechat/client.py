"""A small client for WeChat's server APIs over `requests`.

WeChat answers most failures with HTTP 200 and a non-zero ``errcode``, so every answer is
checked; ``errmsg`` carries a ``rid`` that WeChat support asks for, so it is logged.
"""

import logging
from dataclasses import dataclass

import requests
from flask import current_app

log = logging.getLogger(__name__)

_session = requests.Session()


class WeChatError(Exception):
    def __init__(self, errcode: int, errmsg: str):
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class InvalidCredential(WeChatError):
    """The login code (or another single-use credential) is invalid, used or blocked."""


class WeChatBusy(WeChatError):
    """WeChat is busy, rate limited or unreachable: the caller may try again later."""


INVALID_CODE_ERRCODES = {40029, 40163, 40226}
BUSY_ERRCODES = {-1, 45011}


@dataclass(frozen=True)
class LoginSession:
    openid: str
    session_key: str
    unionid: str | None = None


def _call(method: str, path: str, **kwargs) -> dict:
    config = current_app.config
    url = config["WECHAT_API_BASE"].rstrip("/") + path
    timeout = (config["WECHAT_CONNECT_TIMEOUT_SECONDS"], config["WECHAT_READ_TIMEOUT_SECONDS"])
    try:
        response = _session.request(method, url, timeout=timeout, **kwargs)
        response.raise_for_status()
        body = response.json()
    except (requests.RequestException, ValueError) as exc:
        log.warning("wechat %s unreachable: %s", path, exc)
        raise WeChatBusy(-1, f"unreachable: {exc.__class__.__name__}") from exc
    errcode = body.get("errcode", 0)
    if errcode:
        errmsg = body.get("errmsg", "")
        log.warning("wechat %s failed: errcode=%s errmsg=%s", path, errcode, errmsg)
        if errcode in INVALID_CODE_ERRCODES:
            raise InvalidCredential(errcode, errmsg)
        if errcode in BUSY_ERRCODES:
            raise WeChatBusy(errcode, errmsg)
        raise WeChatError(errcode, errmsg)
    return body


def code_to_session(code: str) -> LoginSession:
    """Exchange a wx.login code once. Codes are single-use: never retried."""
    config = current_app.config
    body = _call(
        "GET",
        "/sns/jscode2session",
        params={
            "appid": config["WECHAT_APPID"],
            "secret": config["WECHAT_SECRET"],
            "js_code": code,
            "grant_type": "authorization_code",
        },
    )
    return LoginSession(openid=body["openid"], session_key=body["session_key"], unionid=body.get("unionid"))
