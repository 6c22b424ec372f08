from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.accounts.models import RoleGrant, User
from server.areas.queries import get_area
from server.errors import ServiceUnavailable, Unauthorized, Unprocessable
from server.extensions import db
from server.wechat import client as wechat
from server.wechat.errors import InvalidCredential, WeChatError


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
    except WeChatError:
        raise ServiceUnavailable("微信服务暂时不可用，请稍后重试", code="wechat_unavailable") from None
    return get_or_create_user(session.openid)


def update_profile(user: User, *, nickname: str | None = None, home_grid_id: int | None = None) -> User:
    """A resident names themselves and picks their home grid (the QR-code binding comes later)."""
    if home_grid_id is not None:
        grid = get_area(home_grid_id)
        if grid.level != "grid":
            raise Unprocessable("请选择具体的网格", details={"home_grid_id": ["必须是网格"]})
        user.home_grid_id = grid.id
    if nickname is not None:
        user.nickname = nickname
    db.session.flush()
    return user
