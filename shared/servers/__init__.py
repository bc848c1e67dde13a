"""Servers the project starts itself for `make run` and the tests (never in production)."""
