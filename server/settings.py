"""Load settings in order (defaults, environment module, FLASK_* variables, test overrides)
and refuse a malformed value of a known key with a message that names it."""

import importlib
import os

from limits import parse_many
from marshmallow import Schema, ValidationError, fields, validate

from server.core import pii
from server.notification_kinds import KINDS, VALUE_SOURCES

ENVIRONMENTS = ("development", "testing", "production")
DEV_SECRET_KEY = "dev-only-secret-key-change-me"
DEV_PUSH_TOKEN = "devpushtoken"
DEV_PII_KEY = "bWljcm8td2lzaC1kZXZlbG9wbWVudC1vbmx5LWtleSE="
DEV_PII_HASH_KEY = "dev-only-pii-hash-key-change-me"
HIDDEN_VALUES = frozenset({"S3_SECRET_ACCESS_KEY", "PII_KEYS", "PII_HASH_KEY"})
S3_REQUIRED = ("S3_ENDPOINT_URL", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")


class ConfigError(RuntimeError):
    """A setting has a value the application cannot run with."""


class _StrictBoolean(fields.Field):
    """true or false only: FLASK_REVIEW_REQUIRED=yes is a mistake, not a truthy string."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("must be true or false")
        return value


class _RateLimit(fields.String):
    """A rate string of the `limits` package such as "10/hour;30/day"."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            if not parse_many(value):
                raise ValueError
        except ValueError:
            raise ValidationError('a rate such as "10/minute" or "10/hour;30/day"') from None
        return value


class _EncryptionKey(fields.String):
    """A PII_KEYS value: base64 of 32 bytes."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            pii.decode_key(value)
        except ValueError:
            raise ValidationError("each key must be base64 of 32 bytes (`flask pii new-key` prints one)") from None
        return value


def _seconds():
    return fields.Integer(strict=True, validate=validate.Range(min=1))


class _SubscribeTemplate(Schema):
    """One WECHAT_SUBSCRIBE_TEMPLATES entry: keywords named as WeChat names them (thing2)."""

    template_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    page = fields.String(allow_none=True, validate=validate.Length(max=128))
    data = fields.Dict(
        required=True,
        keys=fields.String(validate=validate.Regexp(r"^[a-z_]+[0-9]+$", error="a keyword such as thing2")),
        values=fields.String(validate=validate.OneOf(VALUE_SOURCES)),
    )


class SettingsSchema(Schema):
    """Types of the settings a person is likely to override; unknown keys pass through."""

    class Meta:
        unknown = "include"

    SECRET_KEY = fields.String(validate=validate.Length(min=16))
    SECRET_KEY_FALLBACKS = fields.List(fields.String(validate=validate.Length(min=16)))
    SQLALCHEMY_DATABASE_URI = fields.String(
        validate=validate.Regexp(r"^(sqlite|postgresql)(\+\w+)?://", error="must be a sqlite:// or postgresql:// URL")
    )
    READ_DATABASE_URL = fields.String(
        validate=validate.Regexp(
            r"^((sqlite|postgresql)(\+\w+)?://.*)?$", error="must be empty or a sqlite:// or postgresql:// URL"
        )
    )
    REDIS_URL = fields.String(
        validate=validate.Regexp(
            r"^((redis|rediss|unix)://\S+)?$", error="must be empty or a redis://, rediss:// or unix:// URL"
        )
    )
    REDIS_TIMEOUT_SECONDS = fields.Float(validate=validate.Range(min=0.1, max=60))
    RATELIMIT_ENABLED = _StrictBoolean()
    RATELIMIT_LOGIN_FAILED = _RateLimit()
    RATELIMIT_LOGIN_CODE_FAILED = _RateLimit()
    RATELIMIT_WISH_POST = _RateLimit()
    RATELIMIT_UPLOAD = _RateLimit()
    RATELIMIT_SIGNUP = _RateLimit()
    RATELIMIT_REDEEM = _RateLimit()
    RATELIMIT_ANNOUNCEMENT_POST = _RateLimit()
    CLAIMS_HELD_MAX = fields.Integer(strict=True, validate=validate.Range(min=1, max=100))
    PII_RETENTION_DAYS = fields.Integer(strict=True, validate=validate.Range(min=1, max=3650))
    PII_KEYS = fields.Dict(
        keys=fields.String(validate=validate.Regexp(pii.KEY_ID_PATTERN, error="1 to 32 of A-Z a-z 0-9 _ -")),
        values=_EncryptionKey(),
    )
    PII_KEY_ID = fields.String(validate=validate.Regexp(pii.KEY_ID_PATTERN))
    PII_HASH_KEY = fields.String(validate=validate.Length(min=16))
    RATELIMIT_CONSOLE_SIGN_IN_FAILED = _RateLimit()
    RATELIMIT_CONSOLE_ADDRESS_FAILED = _RateLimit()
    SESSION_COOKIE_SECURE = _StrictBoolean()
    PERMANENT_SESSION_LIFETIME = _seconds()
    TRUSTED_PROXIES = fields.Integer(strict=True, validate=validate.Range(min=0, max=5))
    DB_POOL_SIZE = fields.Integer(strict=True, validate=validate.Range(min=1, max=100))
    DB_MAX_OVERFLOW = fields.Integer(strict=True, validate=validate.Range(min=0, max=100))
    DB_POOL_TIMEOUT_SECONDS = fields.Integer(strict=True, validate=validate.Range(min=1, max=300))
    DB_STATEMENT_TIMEOUT_MS = fields.Integer(strict=True, validate=validate.Range(min=100, max=3_600_000))
    TOKEN_TTL_SECONDS = _seconds()
    IDEMPOTENCY_RETENTION_SECONDS = fields.Integer(strict=True, validate=validate.Range(min=60))
    RECENT_SECONDS = fields.Float(validate=validate.Range(min=0, max=60))
    MAX_CONTENT_LENGTH = fields.Integer(strict=True, validate=validate.Range(min=1024))
    REVIEW_REQUIRED = _StrictBoolean()
    REVIEW_WINDOW_SECONDS = _seconds()
    UNCLAIMED_ESCALATION_SECONDS = _seconds()
    CLAIM_REMINDER_SECONDS = _seconds()
    CLAIM_TIMEOUT_SECONDS = _seconds()
    CONFIRM_WINDOW_SECONDS = _seconds()
    JOB_INTERVAL_SECONDS = _seconds()
    JOB_LEASE_SECONDS = fields.Integer(strict=True, validate=validate.Range(min=1, max=3600))
    POINTS_WISH_CONFIRMED = fields.Integer(strict=True, validate=validate.Range(min=0))
    POINTS_FIVE_STAR_BONUS = fields.Integer(strict=True, validate=validate.Range(min=0))
    POINTS_CLAIM_TIMEOUT_PENALTY = fields.Integer(strict=True, validate=validate.Range(min=0))
    POINTS_SAME_PAIR_MONTHLY_CAP = fields.Integer(strict=True, validate=validate.Range(min=0))
    POINTS_PLEDGE_KEPT = fields.Integer(strict=True, validate=validate.Range(min=0))
    POINTS_PER_VOLUNTEER_HOUR = fields.Integer(strict=True, validate=validate.Range(min=0))
    ACTIVITY_CHECKIN_OPENS_SECONDS = _seconds()
    PARTY_DAY_STARTS_AT = fields.String(
        validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="a wall-clock time HH:MM (Asia/Shanghai)")
    )
    PARTY_DAY_MINUTES = fields.Integer(strict=True, validate=validate.Range(min=15, max=24 * 60))
    PARTY_DAY_CAPACITY = fields.Integer(strict=True, validate=validate.Range(min=1))
    PARTY_DAY_PLACE = fields.String(validate=validate.Length(min=1, max=200))
    PARTY_DAY_DESCRIPTION = fields.String(validate=validate.Length(min=1, max=500))
    WECHAT_APPID = fields.String(validate=validate.Length(min=1))
    WECHAT_SECRET = fields.String(validate=validate.Length(min=1))
    WECHAT_API_BASE = fields.String(
        validate=validate.Regexp(r"^(https?://\S+)?$", error="must be empty or an http(s):// URL")
    )
    WECHAT_CONNECT_TIMEOUT_SECONDS = fields.Float(validate=validate.Range(min=0.1, max=60))
    WECHAT_READ_TIMEOUT_SECONDS = fields.Float(validate=validate.Range(min=0.1, max=60))
    WECHAT_PUSH_TOKEN = fields.String(
        validate=validate.Regexp(r"^[A-Za-z0-9]{3,32}$", error="3 to 32 letters or digits, as WeChat requires")
    )
    UPLOAD_MAX_BYTES = fields.Integer(strict=True, validate=validate.Range(min=1024, max=50 * 1024 * 1024))
    UPLOAD_FOLDER = fields.String()
    MEDIA_CHECK_RETRY_SECONDS = _seconds()
    MEDIA_CHECK_VERDICT_WAIT_SECONDS = _seconds()
    MEDIA_CHECK_MAX_ATTEMPTS = fields.Integer(strict=True, validate=validate.Range(min=1, max=20))
    PUBLIC_BASE_URL = fields.String(
        validate=validate.Regexp(r"^(https?://[^\s/]+(/\S*)?)?$", error="must be empty or an http(s):// URL")
    )
    MEDIA_URL_MAX_AGE_SECONDS = fields.Integer(strict=True, validate=validate.Range(min=1, max=7 * 24 * 3600))
    S3_ENDPOINT_URL = fields.String(
        validate=validate.Regexp(r"^(https?://[^\s/]+/?)?$", error="must be empty or an http(s):// URL with no path")
    )
    S3_BUCKET = fields.String(
        validate=validate.Regexp(r"^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])?$", error="3–63 of a-z, 0-9, . and -")
    )
    S3_ACCESS_KEY_ID = fields.String()
    S3_SECRET_ACCESS_KEY = fields.String()
    S3_REGION = fields.String(validate=validate.Regexp(r"^[a-z0-9-]+$", error="a region name such as ap-guangzhou"))
    S3_ADDRESSING_STYLE = fields.String(validate=validate.OneOf(["virtual", "path"]))
    S3_CONNECT_TIMEOUT_SECONDS = fields.Float(validate=validate.Range(min=0.1, max=60))
    S3_READ_TIMEOUT_SECONDS = fields.Float(validate=validate.Range(min=0.1, max=120))
    WECHAT_BIND_PAGE = fields.String(
        validate=validate.Regexp(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$", error="a page path with no leading / or query")
    )
    WECHAT_CODE_ENV_VERSION = fields.String(validate=validate.OneOf(["release", "trial", "develop"]))
    DEMO_DATA = _StrictBoolean()
    BANNED_WORDS = fields.List(fields.String(validate=validate.Length(min=1)))
    WECHAT_MINIPROGRAM_STATE = fields.String(validate=validate.OneOf(["developer", "trial", "formal"]))
    WECHAT_SUBSCRIBE_TEMPLATES = fields.Dict(
        keys=fields.String(validate=validate.OneOf(KINDS)), values=fields.Nested(_SubscribeTemplate)
    )
    OUTBOX_BATCH_SIZE = fields.Integer(strict=True, validate=validate.Range(min=1, max=1000))
    OUTBOX_LEASE_SECONDS = fields.Integer(strict=True, validate=validate.Range(min=60))
    OUTBOX_MAX_ATTEMPTS = fields.Integer(strict=True, validate=validate.Range(min=1, max=20))
    OUTBOX_RETRY_BASE_SECONDS = _seconds()
    OUTBOX_RETRY_MAX_SECONDS = _seconds()


def environment_name() -> str:
    name = os.environ.get("MICROWISH_ENV", "development")
    if name not in ENVIRONMENTS:
        raise ConfigError(f"MICROWISH_ENV={name!r} is not one of {', '.join(ENVIRONMENTS)}")
    return name


def load_settings(config, env_name: str, overrides: dict | None = None) -> None:
    """Fill a Flask ``config`` in place and validate it."""
    config.from_object("config.defaults")
    config.from_object(importlib.import_module(f"config.{env_name}"))
    config.from_prefixed_env()
    if os.environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(os.environ["DATABASE_URL"])
    if os.environ.get("READ_DATABASE_URL"):
        config["READ_DATABASE_URL"] = _normalise_database_url(os.environ["READ_DATABASE_URL"])
    if os.environ.get("REDIS_URL"):
        config["REDIS_URL"] = os.environ["REDIS_URL"]
    config.update(overrides or {})
    config["ENV_NAME"] = env_name
    _validate(config)


def _normalise_database_url(url: str) -> str:
    # Hosting panels hand out postgres:// URLs; SQLAlchemy wants a driver name.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _validate(config) -> None:
    known = {key: config[key] for key in SettingsSchema().fields if key in config}
    try:
        SettingsSchema().load(known)
    except ValidationError as exc:
        problems = "; ".join(
            f"{key}={_shown(key, config.get(key))}: {' '.join(messages)}"
            for key, messages in sorted(exc.messages.items())
        )
        raise ConfigError(f"invalid setting(s): {problems} (set them as FLASK_<KEY>, JSON-encoded)") from None
    _check_object_storage(config)
    if config["PII_KEY_ID"] not in config["PII_KEYS"]:
        raise ConfigError(f"PII_KEY_ID={config['PII_KEY_ID']!r} is not a key id of PII_KEYS")
    if config["ENV_NAME"] == "production":
        _refuse_development_defaults(config)


def _shown(key: str, value) -> str:
    # A start-up message ends up in logs: the object store's secret key is never printed.
    return "<hidden>" if key in HIDDEN_VALUES else repr(value)


def _check_object_storage(config) -> None:
    """Half an S3 configuration is a mistake, not "use the folder": say what is missing."""
    if not (config["S3_BUCKET"] or config["S3_ENDPOINT_URL"]):
        return
    missing = [key for key in S3_REQUIRED if not config[key]]
    if missing:
        raise ConfigError(
            f"object storage is half configured: {', '.join(missing)} empty "
            "(set S3_ENDPOINT_URL, S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or none of them)"
        )


def _refuse_development_defaults(config) -> None:
    problems = []
    if config["SECRET_KEY"] == DEV_SECRET_KEY:
        problems.append("SECRET_KEY is the development default")
    if DEV_SECRET_KEY in config["SECRET_KEY_FALLBACKS"]:
        problems.append("SECRET_KEY_FALLBACKS holds the development default")
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        problems.append("the database is SQLite (set DATABASE_URL to PostgreSQL: several workers and hosts share it)")
    if not config["WECHAT_API_BASE"]:
        problems.append("WECHAT_API_BASE is empty (the development fake is not allowed)")
    if config["WECHAT_APPID"].startswith("wx-dev") or config["WECHAT_SECRET"].startswith("wx-dev"):
        problems.append("WECHAT_APPID / WECHAT_SECRET are not real credentials")
    if config["DEMO_DATA"]:
        problems.append("DEMO_DATA must be off")
    if config["WECHAT_PUSH_TOKEN"] == DEV_PUSH_TOKEN:
        problems.append("WECHAT_PUSH_TOKEN is the development default")
    if not config["PUBLIC_BASE_URL"]:
        problems.append("PUBLIC_BASE_URL is empty (WeChat's image check could not fetch photos)")
    if any(spec["template_id"].startswith("dev-tpl-") for spec in config["WECHAT_SUBSCRIBE_TEMPLATES"].values()):
        problems.append("WECHAT_SUBSCRIBE_TEMPLATES has development template ids")
    if DEV_PII_KEY in config["PII_KEYS"].values():
        problems.append("PII_KEYS holds the development key")
    if config["PII_HASH_KEY"] == DEV_PII_HASH_KEY:
        problems.append("PII_HASH_KEY is the development default")
    if problems:
        raise ConfigError("production refuses to start: " + "; ".join(problems))
