"""A Prometheus scrape of each kind of process shows what operators alert on.

The real processes on the test servers: signing's API and relay, appraisal's projection. A
team registered over HTTP is counted by the API (command and request), published by the
relay, and applied by the projection, whose lag is measured per partition.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from prometheus_client.parser import text_string_to_metric_families

from shared.contracts import topics
from shared.servers import free_port
from shared.testing.kafka import eventually
from shared.testing.processes import Processes

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(url: str) -> Samples:
    """Every sample of the process at `url`; none while it is still starting."""
    try:
        text = httpx.get(f"{url}/metrics").raise_for_status().text
    except httpx.ConnectError:
        return {}
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_each_process_exposes_its_metrics_after_a_command(
    platform: Processes, run_id: str, mint_token: Callable[..., str]
) -> None:
    relay_port, projection_port, group = free_port(), free_port(), f"appraisal.metrics-{run_id}"
    signing = platform.start("serve", "signing", DATABASE_SCHEMA=f"signing_m{run_id}")
    platform.start("relay", "signing", DATABASE_SCHEMA=f"signing_m{run_id}", METRICS_PORT=str(relay_port))
    platform.start(
        "project",
        "appraisal",
        DATABASE_SCHEMA=f"appraisal_m{run_id}",
        CONSUMER_GROUP=group,
        METRICS_PORT=str(projection_port),
        CONSUMER_LAG_SECONDS="0.5",
    )
    team_id = f"T-m{run_id}"
    registered = httpx.post(
        f"{signing}/teams",
        headers={"Authorization": f"Bearer {mint_token('admin')}", "Idempotency-Key": team_id},
        json={
            "team_id": team_id,
            "name": "Team",
            "institution_id": "CHC-1",
            "institution_kind": "community_health_centre",
            "area_code": "440106",
            "members": [{"member_id": "doc-1", "role": "family_doctor"}],
            "resident_cap": 10,
        },
    )
    assert registered.status_code == 201, registered.text

    api = scrape(signing)
    assert value(api, "fdcs_commands_total", command="Teams.register", outcome="accepted") == 1
    assert value(api, "fdcs_command_batch_size_count") >= 1
    assert value(api, "fdcs_command_commit_seconds_count") >= 1
    assert all(value(api, "fdcs_command_stage_seconds_count", stage=s) >= 1 for s in ("read", "decide", "seal"))
    assert value(api, "fdcs_http_request_duration_seconds_count", method="POST", route="/teams", status="201") == 1
    assert team_id not in httpx.get(f"{signing}/metrics").text, "no id is a label"

    relay = f"http://127.0.0.1:{relay_port}"
    assert eventually(lambda: value(scrape(relay), "fdcs_relay_published_positions_total") >= 1, timeout=30)
    assert value(scrape(relay), "fdcs_relay_publish_seconds_count") >= 1

    projection = f"http://127.0.0.1:{projection_port}"
    assert eventually(lambda: value(scrape(projection), "fdcs_projection_events_applied_total", group=group) >= 1)
    assert value(scrape(projection), "fdcs_consumer_batch_seconds_count", group=group) >= 1
    assert value(scrape(projection), "fdcs_consumer_delay_seconds_count", group=group) >= 1
    lagging = eventually(lambda: {t for t, _ in _lags(scrape(projection), group)} >= {topics.TEAMS.name}, timeout=30)
    assert lagging, "the lag of each partition the group holds, teams' among them"
    assert value(scrape(projection), "fdcs_dead_letters_total", group=group) == 0


def _lags(samples: Samples, group: str) -> set[tuple[str, str]]:
    """(topic, partition) of each lag the projection reports for `group`."""
    found = set()
    for (name, labels), _ in samples.items():
        named = dict(labels)
        if name == "fdcs_consumer_lag_messages" and named.get("group") == group:
            found.add((named["topic"], named["partition"]))
    return found
