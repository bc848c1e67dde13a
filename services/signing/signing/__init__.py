"""Signing: family doctor teams, service packages and residents' contracts with them."""
