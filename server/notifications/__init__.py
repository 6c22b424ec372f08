"""Notifications: the in-app inbox and the outbox of WeChat subscribe messages, for any feature.

A feature keeps who hears what next to itself (server/wishes/notifications.py), registers its
kinds (``registry``) and calls ``operations.notify`` in its own transaction; ``sender.send_due``
delivers the outbox later, from a job, never inside a user's request. Nothing here imports a
feature.
"""
