"""Moved to testing.prometheus; kept so `from prometheus_server import ...` in other branches still works."""

from testing.prometheus import DAY, MINUTE, PROFILES, Profile, Prometheus, free_port, openmetrics  # noqa: F401
