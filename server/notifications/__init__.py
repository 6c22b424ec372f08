"""Notifications: the in-app inbox and the outbox of WeChat subscribe messages.

Who hears what is one table (``templates.RULES``); a wish transition calls
``operations.notify_wish_event`` in its own transaction; ``sender.send_due`` delivers the
outbox later, from a job, never inside a user's request.
"""
