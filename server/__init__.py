"""Micro-Wish backend: the app factory lives in `server.app`."""
