"""Settings: `defaults` holds every key, the per-environment modules override a few.

Every key here can be overridden from the environment as ``FLASK_<KEY>`` (JSON-parsed);
``DATABASE_URL`` picks the database. `server.settings` loads and validates them.
"""
