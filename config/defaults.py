"""Every setting the application knows, with its default."""

SECRET_KEY = "dev-only-secret-key-change-me"
SQLALCHEMY_DATABASE_URI = "sqlite:///microwish.db"

# Seconds a login token stays valid.
TOKEN_TTL_SECONDS = 7 * 24 * 3600

# Requests larger than this are refused with 413 before any work is done.
MAX_CONTENT_LENGTH = 2 * 1024 * 1024

# Wish lifecycle (DESIGN §3), windows in seconds.
REVIEW_REQUIRED = True
REVIEW_WINDOW_SECONDS = 24 * 3600
UNCLAIMED_ESCALATION_SECONDS = 72 * 3600
CLAIM_REMINDER_SECONDS = 5 * 24 * 3600
CLAIM_TIMEOUT_SECONDS = 7 * 24 * 3600
CONFIRM_WINDOW_SECONDS = 3 * 24 * 3600
JOB_INTERVAL_SECONDS = 60

# Points ledger amounts.
POINTS_WISH_CONFIRMED = 10
POINTS_FIVE_STAR_BONUS = 2

# WeChat. An empty WECHAT_API_BASE in development means "start the built-in fake".
WECHAT_APPID = "wx-dev-appid"
WECHAT_SECRET = "wx-dev-secret"
WECHAT_API_BASE = ""
WECHAT_CONNECT_TIMEOUT_SECONDS = 3.0
WECHAT_READ_TIMEOUT_SECONDS = 5.0

# Load the Yaozhou demo data into an empty database on start (development only).
DEMO_DATA = False

# flask-smorest / OpenAPI.
API_TITLE = "微心愿 Micro-Wish API"
API_VERSION = "v1"
OPENAPI_VERSION = "3.0.3"
OPENAPI_URL_PREFIX = "/api/v1"
OPENAPI_JSON_PATH = "openapi.json"
OPENAPI_SWAGGER_UI_PATH = "docs"
OPENAPI_SWAGGER_UI_URL = "/api/v1/docs-assets/"

JSON_AS_ASCII = False
SQLALCHEMY_ENGINE_OPTIONS: dict = {}
