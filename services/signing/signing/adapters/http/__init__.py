"""Signing's HTTP API: teams and packages, contracts and agreements, the lifecycle, searches, erasure."""

from signing.adapters.http import contracts, lifecycle, residents, search, teams

ROUTERS = [teams.router, search.router, contracts.router, lifecycle.router, residents.router]
