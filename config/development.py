"""`make run`: the local SQLite file, demo data, the built-in WeChat fake."""

DEMO_DATA = True
