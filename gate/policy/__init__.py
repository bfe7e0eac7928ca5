"""Policies as code: rule packs, built-in check kinds, evaluation."""
