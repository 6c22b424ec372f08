"""Every setting the application knows, with its default."""

SECRET_KEY = "dev-only-secret-key-change-me"
# Earlier keys still accepted while they are rotated out (server/core/signing.py), oldest first.
SECRET_KEY_FALLBACKS: list[str] = []
SQLALCHEMY_DATABASE_URI = "sqlite:///microwish.db"
# PostgreSQL connections, per process (server/app.py): a web server worker keeps up to
# DB_POOL_SIZE open and opens DB_MAX_OVERFLOW more under bursts; a request waits at most
# DB_POOL_TIMEOUT_SECONDS for one (then 503). Every statement is cancelled after
# DB_STATEMENT_TIMEOUT_MS, so one slow query cannot hold a worker or a lock for long.
DB_POOL_SIZE = 5
DB_MAX_OVERFLOW = 10
DB_POOL_TIMEOUT_SECONDS = 10
DB_STATEMENT_TIMEOUT_MS = 15000
# A read replica (also read from the READ_DATABASE_URL variable; empty: none). When set, the
# reads that may be a moment old go there: wish lists and details, statistics. Who a token
# belongs to, every write and every read a write makes stay on DATABASE_URL. Same pool settings.
READ_DATABASE_URL = ""
# Redis (redis://, rediss:// or unix://; also read from the REDIS_URL variable). When set, the
# WeChat access token and the rate-limit counters live there; empty, the database keeps them.
REDIS_URL = ""
# Connect and read timeout of every Redis command: a stalled Redis answers 503, never hangs.
REDIS_TIMEOUT_SECONDS = 2.0

# Rate limits (the `limits` package, fixed windows; "N/minute", "N/10minute", "N/hour", "N/day", several joined by ";").
# Only failed logins count (README: a carrier NAT puts a crowd behind one address), per client
# IP and per code; posted wishes count per user, and only those created (a refused or replayed
# post costs nothing); photo uploads per user, refused ones too (a wish and its proof take up to
# 9 photos each). Beyond a limit even a valid request is refused (429) until the window ends.
# RATELIMIT_ENABLED=false turns them off.
RATELIMIT_ENABLED = True
RATELIMIT_LOGIN_FAILED = "60/minute"
RATELIMIT_LOGIN_CODE_FAILED = "3/10minute"
RATELIMIT_WISH_POST = "10/hour;30/day"
# The staff console's sign-in (server/console): wrong passwords per username lock that account,
# per address only far more (many staff may sit behind one intranet address).
RATELIMIT_CONSOLE_SIGN_IN_FAILED = "5/15minute;20/day"
RATELIMIT_CONSOLE_ADDRESS_FAILED = "100/15minute"
RATELIMIT_UPLOAD = "60/day"
# Per person per day: volunteer sign-ups (withdrawals are free), points-store redemptions, and
# announcements a staff member publishes.
RATELIMIT_SIGNUP = "20/day"
RATELIMIT_REDEEM = "10/day"
RATELIMIT_ANNOUNCEMENT_POST = "20/day"
# Wishes a party member may hold claimed at once (claims; a grid worker's assignment is not limited).
CLAIMS_HELD_MAX = 3
# Reverse proxies in front of the app that append X-Forwarded-For (nginx, a load balancer).
# 0 trusts none: the client IP is the socket's peer. Behind one proxy, without this every
# client would share the proxy's IP and its failed-login limit.
TRUSTED_PROXIES = 0

# Reads a worker may answer from what it read up to this many seconds ago (server/core/worker_cache.py):
# who a token belongs to, and pages of the open pool. A worker's own writes clear them at once;
# another worker's reach it within these seconds. 0 reads everything afresh.
RECENT_SECONDS = 2

# How long the answer to a POST sent with an Idempotency-Key is remembered (a retry within it
# replays the answer); the idempotency_purge job deletes older ones. At least 60.
IDEMPOTENCY_RETENTION_SECONDS = 24 * 3600

# The staff console's session cookie (server/console): not readable by scripts, not sent on
# cross-site requests other than top-level links, and in production only over HTTPS.
SESSION_COOKIE_NAME = "microwish_console"
# Sent to the console's pages only: the API's requests stay cookieless (server/core/sessions.py).
SESSION_COOKIE_PATH = "/console"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = False
# A console session ends this long after sign-in (the cookie's signature carries the time).
PERMANENT_SESSION_LIFETIME = 12 * 3600

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
# The scheduler lease (server/jobs/lease.py): one scheduler runs jobs; when it dies another
# takes over once this many seconds pass without a renewal (renewed every third of it).
JOB_LEASE_SECONDS = 30

# Points ledger amounts.
POINTS_WISH_CONFIRMED = 10
POINTS_FIVE_STAR_BONUS = 2
# Taken from a claimer whose claim the claim_timeout job releases (at most their balance: none goes below zero).
POINTS_CLAIM_TIMEOUT_PENALTY = 2
# Against farming the rankings: of the wishes one resident confirms for one party member in a
# Shanghai month, this many earn points; the rest are recorded in the ledger with 0 points.
POINTS_SAME_PAIR_MONTHLY_CAP = 2

# WeChat. An empty WECHAT_API_BASE in development means "start the built-in fake".
WECHAT_APPID = "wx-dev-appid"
WECHAT_SECRET = "wx-dev-secret"
WECHAT_API_BASE = ""
WECHAT_CONNECT_TIMEOUT_SECONDS = 3.0
WECHAT_READ_TIMEOUT_SECONDS = 5.0
# Token of the message-push URL (/wechat/push) set in the mini-program console: 3–32 letters
# or digits. WeChat signs every push (media-check verdicts) with it.
WECHAT_PUSH_TOKEN = "devpushtoken"

# Photos (POST /api/v1/uploads): the largest file accepted, and the local folder they are kept
# in (empty: instance/uploads). PUBLIC_BASE_URL is how WeChat's image checker reaches this
# server (e.g. https://wish.example.cn); empty uses the host of the request.
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
# Photos whose image check did not come back (server/uploads/tasks.py): submitted again after
# RETRY seconds when WeChat was unreachable, after VERDICT_WAIT when its verdict never came,
# at most MAX_ATTEMPTS times in all.
MEDIA_CHECK_RETRY_SECONDS = 300
MEDIA_CHECK_VERDICT_WAIT_SECONDS = 3600
MEDIA_CHECK_MAX_ATTEMPTS = 5
UPLOAD_FOLDER = ""
PUBLIC_BASE_URL = ""
# How long the signed photo link handed to WeChat's image checker works. WeChat fetches the image
# within about 30 minutes of the request; the link outlives that a little. (SigV4 allows 7 days.)
MEDIA_URL_MAX_AGE_SECONDS = 3600

# Photos in an S3-compatible object store instead of the folder (server/uploads/s3.py): Tencent
# COS, Aliyun OSS, MinIO, AWS. Empty S3_BUCKET and S3_ENDPOINT_URL keep the local folder; setting
# either one needs both and the two keys (start-up says what is missing). The bucket stays
# private: WeChat's checker gets a presigned link, residents get the bytes through this server.
# Examples: https://cos.ap-guangzhou.myqcloud.com (region ap-guangzhou),
# https://oss-cn-hangzhou.aliyuncs.com (region cn-hangzhou), http://minio.internal:9000.
S3_ENDPOINT_URL = ""
S3_BUCKET = ""
S3_ACCESS_KEY_ID = ""
S3_SECRET_ACCESS_KEY = ""
# The region the signature (v4) is computed for; MinIO accepts us-east-1.
S3_REGION = "us-east-1"
# virtual: https://<bucket>.<endpoint>/key (COS and OSS require it); path: <endpoint>/<bucket>/key
# (MinIO and most self-hosted stores).
S3_ADDRESSING_STYLE = "virtual"
# Every call to the store is bounded (one retry on a connection error or a 5xx): an upload
# waits at most about twice these before it answers 503 storage_unavailable.
S3_CONNECT_TIMEOUT_SECONDS = 3.0
S3_READ_TIMEOUT_SECONDS = 10.0

# Mini-program codes (getwxacodeunlimit): the page a grid's "bind me" code opens (no leading
# slash, no query) and the version of the mini-program it opens: release, trial or develop.
WECHAT_BIND_PAGE = "pages/bind/index"
WECHAT_CODE_ENV_VERSION = "release"

# Subscribe messages (server/notifications). Which version of the mini-program a message
# opens: developer, trial or formal.
WECHAT_MINIPROGRAM_STATE = "formal"
# Notification kind (each feature's rules, e.g. server/wishes/notifications.py RULES) -> the
# subscribe template that carries it: template_id, page ({subject_id}, or {wish_id} for a wish,
# filled in), and data: keyword -> value source (time, headline, body for every kind; a wish's
# number, title, category, status, note, actor, claimer). Values are
# cut to each keyword type's limits. A kind left out is shown in the inbox only. These ids
# are development stand-ins: production sets real ones from the mini-program console.
_WISH_PROGRESS = {  # 心愿进度通知, for residents
    "template_id": "dev-tpl-wish-progress",
    "page": "pages/wish/detail?id={wish_id}",
    "data": {"character_string1": "number", "thing2": "title", "phrase3": "status", "thing4": "body", "time5": "time"},
}
_WISH_TASK = {  # 服务任务通知, for party members
    "template_id": "dev-tpl-wish-task",
    "page": "pages/wish/detail?id={wish_id}",
    "data": {"thing1": "title", "thing2": "headline", "thing3": "body", "time4": "time"},
}
_GRID_TODO = {  # 待办提醒, for grid workers
    "template_id": "dev-tpl-grid-todo",
    "page": "pages/wish/detail?id={wish_id}",
    "data": {"character_string1": "number", "thing2": "title", "thing3": "headline", "time4": "time"},
}
WECHAT_SUBSCRIBE_TEMPLATES = {
    **dict.fromkeys(
        [
            "wish_approved",
            "wish_rejected",
            "wish_claimed",
            "wish_released",
            "wish_fulfilled",
            "wish_closed",
            "dispute_resolved",
        ],
        _WISH_PROGRESS,
    ),
    **dict.fromkeys(
        ["wish_assigned", "claim_released", "wish_confirmed", "wish_disputed", "claim_reminder"], _WISH_TASK
    ),
    **dict.fromkeys(["wish_to_review", "dispute_to_handle", "review_overdue", "wish_escalated"], _GRID_TODO),
}

# The outbox sender (`flask outbox send`, later the scheduler): rows per pass, how long a
# claimed row is held before another sender may take it over, and retries (backoff doubles
# from the base up to the max; after the last attempt the row is marked failed).
OUTBOX_BATCH_SIZE = 100
OUTBOX_LEASE_SECONDS = 300
OUTBOX_MAX_ATTEMPTS = 5
OUTBOX_RETRY_BASE_SECONDS = 60
OUTBOX_RETRY_MAX_SECONDS = 3600

# A wish's phone number and address are removed this many days after it ended
# (server/privacy/tasks.py; the privacy notice says so).
PII_RETENTION_DAYS = 180

# Encryption of personal information at rest (server/core/pii.py): key id -> base64 of 32 bytes
# (`flask pii new-key` prints one). PII_KEY_ID encrypts; the others still decrypt, until
# `flask pii reencrypt` has moved every value to PII_KEY_ID. PII_HASH_KEY keys the phone number's
# lookup hash. These development values are public: production refuses them.
PII_KEYS = {"dev": "bWljcm8td2lzaC1kZXZlbG9wbWVudC1vbmx5LWtleSE="}
PII_KEY_ID = "dev"
PII_HASH_KEY = "dev-only-pii-hash-key-change-me"

# Words refused before any call to WeChat's content check (msg_sec_check).
BANNED_WORDS = ["高利贷", "裸聊", "办证刻章"]

# Points earned once by a party member whose year's pledge (承诺践诺, server/pledges) the grid
# worker marks kept.
POINTS_PLEDGE_KEPT = 20

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
# Swagger UI's validator badge is fetched from validator.swagger.io: off, so the docs page asks
# no outside host (its files come from this server too, app.py).
OPENAPI_SWAGGER_UI_CONFIG = {"validatorUrl": None}

JSON_AS_ASCII = False
SQLALCHEMY_ENGINE_OPTIONS: dict = {}

# Volunteer activities (server/activities): check-in opens this long before the start.
ACTIVITY_CHECKIN_OPENS_SECONDS = 1800
# Points per credited volunteer hour (DESIGN §3: +2), for the party days the job creates;
# an organiser sets each other activity's own.
POINTS_PER_VOLUNTEER_HOUR = 2
# The monthly party day (主题党日) the ``party_day`` job creates in every community on the
# first Thursday: its start (Asia/Shanghai, HH:MM), length, places and where it is held.
PARTY_DAY_STARTS_AT = "09:00"
PARTY_DAY_MINUTES = 120
PARTY_DAY_CAPACITY = 100
PARTY_DAY_PLACE = "社区党群服务中心"
PARTY_DAY_DESCRIPTION = "每月第一个星期四的主题党日：重温入党誓词，学习交流，开展志愿服务。"
