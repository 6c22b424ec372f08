"""A district deployment. Start-up refuses the development defaults (server.settings)."""

DEMO_DATA = False
