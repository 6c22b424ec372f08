"""Console sign-in for staff: usernames with argon2 password hashes (argon2-cffi's defaults,
RFC 9106's second recommended parameter set). How many failures an account and an address may
make is the console's rate limit (server/ratelimits), not a rule here."""

import functools
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.accounts.models import StaffCredential, User
from server.core.errors import Conflict, Unprocessable
from server.core.extensions import db

# A password a person chooses (or an admin gives them): long enough that the lockout, not
# guessing, is what stops an attacker. The demo's documented password is set without the check.
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
PASSWORD_LENGTH_MESSAGE = f"密码长度应为 {MIN_PASSWORD_LENGTH}–{MAX_PASSWORD_LENGTH} 位"
# Letters, digits and . _ - @ : what staff type on any keyboard, and what a log line shows plainly.
USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._@-]{2,63}")

_hasher = PasswordHasher()


@functools.cache
def _no_account_hash() -> str:
    """Verified when no account has the username, so an unknown name costs as long as a wrong
    password: timing does not tell which usernames exist. Made on first use, not at import."""
    return _hasher.hash("no account has this username")


def normalised_username(username: str) -> str:
    return username.strip().lower()


def set_password(user: User, username: str, password: str) -> StaffCredential:
    """Give ``user`` a console sign-in (or a new password), signing out their console sessions."""
    credential = db.session.get(StaffCredential, user.id)
    if credential is None:
        credential = StaffCredential(user=user, username=normalised_username(username), session_version=1)
        db.session.add(credential)
    else:
        credential.username = normalised_username(username)
        credential.session_version += 1
    credential.password_hash = _hasher.hash(password)
    db.session.flush()
    return credential


def give_credential(user: User, username: str, password: str) -> StaffCredential:
    """Set ``user``'s console username and password as chosen (an admin's, or the first admin's
    at the command line), checked: a fresh password ends their console sessions."""
    username = normalised_username(username)
    if not USERNAME_PATTERN.fullmatch(username):
        raise Unprocessable(
            "用户名应为 3–64 位字母、数字或 . _ - @", code="username_invalid", details={"username": ["格式不正确"]}
        )
    check_new_password(password)
    taken = select(StaffCredential.user_id).where(
        StaffCredential.username == username, StaffCredential.user_id != user.id
    )
    if db.session.scalar(taken) is not None:
        raise _username_taken()
    try:
        with db.session.begin_nested():  # the unique key holds against a concurrent request
            return set_password(user, username, password)
    except IntegrityError:
        raise _username_taken() from None


def change_own_password(credential: StaffCredential, old_password: str, new_password: str) -> StaffCredential:
    """A staff member's new password, given their current one; their other sessions end."""
    try:
        _hasher.verify(credential.password_hash, old_password)
    except (VerificationError, InvalidHashError):
        raise Unprocessable("当前密码不正确", code="wrong_password", details={"old_password": ["不正确"]}) from None
    check_new_password(new_password)
    if new_password == old_password:
        raise Unprocessable("新密码不能与当前密码相同", details={"new_password": ["与当前密码相同"]})
    return set_password(credential.user, credential.username, new_password)


def check_new_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        message = PASSWORD_LENGTH_MESSAGE
        raise Unprocessable(message, code="password_invalid", details={"password": [message]})


def _username_taken() -> Conflict:
    return Conflict("该用户名已被使用", code="username_taken", details={"username": ["已被使用"]})


def signed_in(username: str, password: str) -> StaffCredential | None:
    """The credential a correct username and password open, when its person holds a staff grant."""
    credential = db.session.scalar(
        select(StaffCredential).where(StaffCredential.username == normalised_username(username))
    )
    try:
        _hasher.verify(credential.password_hash if credential else _no_account_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if credential is None or not credential.user.staff_areas():
        return None
    if _hasher.check_needs_rehash(credential.password_hash):
        credential.password_hash = _hasher.hash(password)
    return credential


def current_credential(user_id: int, session_version: int) -> StaffCredential | None:
    """The credential a console session names, while it is not signed out and its person is staff."""
    credential = db.session.get(StaffCredential, user_id)
    if credential is None or credential.session_version != session_version or not credential.user.staff_areas():
        return None
    return credential


def sign_out_everywhere(credential: StaffCredential) -> None:
    credential.session_version += 1
