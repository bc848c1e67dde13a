"""The workers' metrics endpoint: relays and projections serve no HTTP of their own, so each
serves its registry on METRICS_PORT (0: not at all) with prometheus_client's own server."""

from __future__ import annotations

import logging

from prometheus_client import start_http_server

from shared.settings import ServiceSettings

log = logging.getLogger(__name__)


def serve_metrics(settings: ServiceSettings) -> None:
    """`GET /metrics` on HTTP_HOST:METRICS_PORT from a daemon thread, for the process's life."""
    if settings.metrics_port:
        start_http_server(settings.metrics_port, settings.http_host)
        log.info("metrics on http://%s:%d/metrics", settings.http_host, settings.metrics_port)
