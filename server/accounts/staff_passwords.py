"""Console sign-in for staff: usernames with argon2 password hashes (argon2-cffi's defaults,
RFC 9106's second recommended parameter set). How many failures an account and an address may
make is the console's rate limit (server/ratelimits), not a rule here."""

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from server.accounts.models import StaffCredential, User
from server.core.extensions import db

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
