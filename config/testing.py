"""The pytest suite; the fixtures point the database at a temporary file."""

TESTING = True
REVIEW_REQUIRED = True
