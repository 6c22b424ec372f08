"""Micro-wishes: the ticket, its timeline, the lifecycle of DESIGN §3."""
