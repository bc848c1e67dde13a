"""Code every service shares: public event contracts, the event store, messaging and HTTP plumbing.

Nothing here knows any service's domain; services depend on `shared`, never the reverse.
"""
