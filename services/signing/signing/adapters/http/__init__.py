"""Signing's HTTP API: teams and packages, contracts and agreements, the lifecycle and its undo, searches, erasure."""

from signing.adapters.http import contracts, lifecycle, reinstatement, residents, search, teams

ROUTERS = [teams.router, search.router, contracts.router, lifecycle.router, reinstatement.router, residents.router]
