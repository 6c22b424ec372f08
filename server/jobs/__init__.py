"""Scheduled jobs (issue 4): one list with stable ids (registry), a runner that records each
run (runner), a database lease so one scheduler runs among many processes (lease), and the
APScheduler process itself (scheduler)."""
