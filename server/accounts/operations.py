import logging
import re

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.accounts.models import RoleGrant, User
from server.areas.queries import ensure_accepts_new_content, get_area, grid_for_scene
from server.core.errors import ServiceUnavailable, TooManyRequests, Unauthorized, Unprocessable
from server.core.extensions import db
from server.wechat import client as wechat
from server.wechat.errors import InvalidCredential, RateLimited, WeChatError

log = logging.getLogger(__name__)

MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")


def get_or_create_user(openid: str) -> User:
    """The user for a WeChat openid; two first logins at once still make one row."""
    user = db.session.scalar(select(User).where(User.openid == openid))
    if user is not None:
        return user
    try:
        with db.session.begin_nested():
            user = User(openid=openid)
            db.session.add(user)
    except IntegrityError:
        user = db.session.scalar(select(User).where(User.openid == openid))
    return user


def revoke_tokens(user: User) -> None:
    user.token_version += 1


def grant_role(user: User, role: str, area_id: int, **profile) -> RoleGrant:
    grant = RoleGrant(user=user, role=role, area_id=area_id, **profile)
    db.session.add(grant)
    db.session.flush()
    return grant


def login_with_code(code: str) -> User:
    """Exchange a wx.login code with WeChat (once: codes are single-use) for our user."""
    try:
        session = wechat.code_to_session(code)
    except InvalidCredential:
        raise Unauthorized("微信登录凭证无效或已使用，请重新进入小程序", code="invalid_login_code") from None
    except RateLimited:
        raise TooManyRequests("登录过于频繁，请稍后再试", code="wechat_rate_limited") from None
    except WeChatError:
        raise ServiceUnavailable("微信服务暂时不可用，请稍后重试", code="wechat_unavailable") from None
    return get_or_create_user(session.openid)


def update_profile(user: User, *, nickname: str | None = None, home_grid_id: int | None = None) -> User:
    """A resident names themselves and picks their home grid (the QR-code binding comes later)."""
    if home_grid_id is not None:
        grid = get_area(home_grid_id)
        if grid.level != "grid":
            raise Unprocessable("请选择具体的网格", details={"home_grid_id": ["必须是网格"]})
        ensure_accepts_new_content(grid)
        user.home_grid_id = grid.id
    if nickname is not None:
        user.nickname = nickname
    db.session.flush()
    return user


def bind_home_grid(user: User, scene: str) -> User:
    """A resident scanned a grid's "bind me" code: that grid becomes their home grid."""
    grid = grid_for_scene(scene)
    ensure_accepts_new_content(grid)
    user.home_grid_id = grid.id
    db.session.flush()
    return user


def bind_phone(user: User, code: str) -> User:
    """Exchange a getPhoneNumber code for the user's mobile number and keep it.

    The code is single-use: it is sent once (the client only replaces a refused access token).
    """
    try:
        info = wechat.get_phone_number(code)
    except InvalidCredential:
        raise Unprocessable(
            "手机号授权已失效，请重新点击授权", code="invalid_phone_code", details={"code": ["无效或已使用"]}
        ) from None
    except WeChatError:
        raise ServiceUnavailable("微信服务暂时不可用，请稍后重试", code="wechat_unavailable") from None
    appid = (info.get("watermark") or {}).get("appid")
    if appid != current_app.config["WECHAT_APPID"]:
        log.warning("phone number watermark names appid %r, not ours: refused", appid)
        raise Unprocessable("手机号授权不属于本小程序，请重新授权", code="phone_appid_mismatch")
    number = str(info.get("purePhoneNumber") or "")
    if str(info.get("countryCode")) != "86" or not MAINLAND_MOBILE.fullmatch(number):
        raise Unprocessable("目前仅支持绑定中国大陆手机号", code="phone_not_mainland")
    user.phone = number
    db.session.flush()
    return user
