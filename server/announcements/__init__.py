"""Notices (通知公告) staff publish to an area node, read by everyone below it."""
