"""Signing's HTTP API: teams and packages, contracts and agreements, the lifecycle and its undo, searches."""

from signing.adapters.http import contracts, lifecycle, reinstatement, search, teams

ROUTERS = [teams.router, search.router, contracts.router, lifecycle.router, reinstatement.router]
