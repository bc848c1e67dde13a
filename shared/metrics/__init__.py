"""The platform's Prometheus metrics: each defined once here, counted where it happens.

Labels are bounded by the code, never by the data: a command's type is its handler's name, a
route is its template (`/contracts/{contract_id}`, never a path with an id in it), a consumer's
partition is one of its topic's, a group is one of the deployment's. No metric names a
resident, a team, a partner or an id, which is why `/metrics` needs no token.

Each process has its own registry (prometheus_client's default): the API serves it on its own
HTTP port (`GET /metrics`), the workers (relay, projections) on METRICS_PORT. With
HTTP_WORKERS above 1, each uvicorn worker counts alone: deployments scale pods instead.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

# A `_created` series beside each counter and histogram would double the series for a
# timestamp rate() does not need.
disable_created_metrics()  # type: ignore[no-untyped-call]

# Seconds: from a cached read (sub-millisecond) to a request that should have timed out.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

COMMANDS = Counter(
    "fdcs_commands",
    "Commands decided, by handler and outcome: accepted, replayed (idempotency key seen before), "
    "refused (a rule or a precondition said no), failed (a bug, or the store was down)",
    ["command", "outcome"],
)
COMMAND_BATCH_SIZE = Histogram(
    "fdcs_command_batch_size",
    "Commands decided against one state and committed in one transaction (group commit)",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
)
COMMAND_CONFLICTS = Counter(
    "fdcs_command_conflicts",
    "Appends that met another process's write to one of their streams (the commands are then decided "
    "again on fresh state): how much the writers of one service contend",
)
COMMAND_COMMIT_SECONDS = Histogram(
    "fdcs_command_commit_seconds", "Time to append a batch's events in one transaction", buckets=LATENCY_BUCKETS
)
COMMAND_STAGE_SECONDS = Histogram(
    "fdcs_command_stage_seconds",
    "A batch's time before its append, by stage: reading its streams and receipts (read), deciding its "
    "commands in turn (decide), sealing their personal values with the residents' keys (seal)",
    ["stage"],
    buckets=LATENCY_BUCKETS,
)

RELAY_LAG = Gauge("fdcs_relay_lag_positions", "Positions of the service's event log not yet published to Kafka")
RELAY_PUBLISHED = Counter("fdcs_relay_published_positions", "Positions of the event log published and acknowledged")
RELAY_PUBLISH_SECONDS = Histogram(
    "fdcs_relay_publish_seconds",
    "Time from handing a batch to the producer to the broker's last acknowledgement (acks=all)",
    buckets=LATENCY_BUCKETS,
)

CONSUMER_LAG = Gauge(
    "fdcs_consumer_lag_messages",
    "Messages on a partition past the group's committed offset (high watermark - committed)",
    ["group", "topic", "partition"],
)
DEAD_LETTERS = Counter(
    "fdcs_dead_letters", "Events a consumer group gave up on, sent to its dead-letter topic", ["group"]
)
EVENTS_APPLIED = Counter(
    "fdcs_projection_events_applied",
    "Events a projection applied, by consumer group (Kafka) or follower (the service's own log)",
    ["group"],
)
BATCH_SECONDS = Histogram(
    "fdcs_consumer_batch_seconds",
    "Time a consumer group took to apply a batch of events (its handler's transaction)",
    ["group"],
    buckets=LATENCY_BUCKETS,
)
# Seconds late: from a live event's (under a second) to a backlog's replayed (hours, months).
DELAY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600)
APPLIED_DELAY = Histogram(
    "fdcs_consumer_delay_seconds",
    "From an event's recording by its source (its envelope's time) to its batch applied, by consumer group",
    ["group"],
    buckets=DELAY_BUCKETS,
)

HTTP_SECONDS = Histogram(
    "fdcs_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route template and status",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)

__all__ = [
    "APPLIED_DELAY",
    "BATCH_SECONDS",
    "COMMANDS",
    "COMMAND_BATCH_SIZE",
    "COMMAND_COMMIT_SECONDS",
    "COMMAND_CONFLICTS",
    "COMMAND_STAGE_SECONDS",
    "CONSUMER_LAG",
    "DEAD_LETTERS",
    "EVENTS_APPLIED",
    "HTTP_SECONDS",
    "RELAY_LAG",
    "RELAY_PUBLISHED",
    "RELAY_PUBLISH_SECONDS",
]
