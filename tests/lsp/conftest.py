"""Fixtures for the end-to-end tests; the harness is in ``harness.py``."""

from .harness import profile, session, start

__all__ = ["profile", "session", "start"]
