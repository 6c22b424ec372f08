"""The keys every signed value (login tokens, media links, certificate links, the console's
cookie) is checked against: ``SECRET_KEY`` signs; the keys in ``SECRET_KEY_FALLBACKS`` (oldest
first) are still accepted, so rotating the key does not sign everyone out at once.

Rotation: put the current key in ``SECRET_KEY_FALLBACKS``, a new one in ``SECRET_KEY``,
restart; after ``TOKEN_TTL_SECONDS`` every token signed with the old key has expired anyway,
so drop it from the fallbacks (SECURITY.md). Flask's own cookie session reads the same setting.
"""

from flask import current_app


def signing_keys() -> list[str]:
    """itsdangerous' order: every key that verifies, the one that signs last."""
    config = current_app.config
    return [*config.get("SECRET_KEY_FALLBACKS", []), config["SECRET_KEY"]]
