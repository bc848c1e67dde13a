"""Read models: tables built from public events, each named for the question it answers.

They live in the consuming service's own PostgreSQL schema (SQLAlchemy Core) and record
the ids of the events they applied in the same transaction as the change, so a redelivered
event changes nothing.
"""

from shared.readmodels.database import open_engine
from shared.readmodels.feed import PartnerFeed
from shared.readmodels.follower import LogFollower, Positions
from shared.readmodels.once import AppliedEvents

__all__ = ["AppliedEvents", "LogFollower", "PartnerFeed", "Positions", "open_engine"]
