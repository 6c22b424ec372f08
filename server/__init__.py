"""Micro-Wish backend: the app factory lives in `server.app`."""

from server.core import field_messages  # noqa: F401  (before any schema is defined)
