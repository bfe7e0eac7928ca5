"""Resilience readiness: a service's DR objectives, capacity and drill records (record.py), which of
them a pull request may claim (trust.py), and drill records exported from outside the repository
(status.py)."""
