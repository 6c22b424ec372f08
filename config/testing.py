"""The pytest suite; the fixtures point the database at a temporary file."""

TESTING = True
REVIEW_REQUIRED = True
# Tests log in many people from one address; the rate-limit tests build their own apps with it on.
RATELIMIT_ENABLED = False
