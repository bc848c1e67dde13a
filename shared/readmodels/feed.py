"""A partner's feed over HTTP: for a hospital or an insurance bureau that runs no Kafka consumer.

The service's own events that a partner may read, in order, each with a position; the
partner asks for what follows the last position it kept (`after=`), so it resumes after
downtime and can replay from 0, with no gap and no duplicate. One follower writes it, so
positions are assigned in commit order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, MetaData, String, Table, Text, select
from sqlalchemy.dialects.postgresql import insert

from shared.messaging.publisher import Message


class PartnerFeed:
    def __init__(self, metadata: MetaData, name: str, topic_prefix: str) -> None:
        """Messages on `<topic_prefix><partner id>` topics go to that partner's feed."""
        self.topic_prefix = topic_prefix
        self.table = Table(
            f"feed_{name}",
            metadata,
            Column("position", BigInteger, primary_key=True, autoincrement=True),
            Column("partner_id", String(64), nullable=False, index=True),
            Column("event_id", String(100), nullable=False, unique=True),
            Column("envelope", Text, nullable=False),
        )

    def add(self, conn: Connection, messages: Sequence[Message]) -> None:
        """Add the partner messages among `messages`; one seen before is not added again."""
        rows = [
            {
                "partner_id": m.topic[len(self.topic_prefix) :],
                "event_id": json.loads(m.value)["id"],
                "envelope": m.value.decode(),
            }
            for m in messages
            if m.topic.startswith(self.topic_prefix)
        ]
        if rows:
            conn.execute(insert(self.table).values(rows).on_conflict_do_nothing(index_elements=["event_id"]))

    def page(self, conn: Connection, partner_id: str, after: int, limit: int) -> dict[str, Any]:
        t = self.table
        query = (
            select(t.c.position, t.c.envelope)
            .where(t.c.partner_id == partner_id, t.c.position > after)
            .order_by(t.c.position)
            .limit(limit)
        )
        items = [{"position": p, "event": json.loads(e)} for p, e in conn.execute(query)]
        return {"items": items, "next_after": items[-1]["position"] if items else after}
