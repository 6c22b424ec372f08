"""Remembered answers to POSTs sent with an Idempotency-Key, so a retry on a weak network
replays the first answer instead of doing the work twice."""

# Marks a replayed answer: the request created nothing, so it costs no rate limit (server/ratelimits).
REPLAY_HEADER = "Idempotent-Replayed"
