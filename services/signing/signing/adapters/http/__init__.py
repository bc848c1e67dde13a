"""Signing's HTTP API: teams and packages, contracts and agreements, the lifecycle, searches."""

from signing.adapters.http import contracts, lifecycle, search, teams

ROUTERS = [teams.router, search.router, contracts.router, lifecycle.router]
