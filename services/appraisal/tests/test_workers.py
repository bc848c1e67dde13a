"""The workers on the real broker: the projection runs continuously, a rebuild from scratch
gives the same view as the live one, and the relay publishes results to their topic."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from appraisal.adapters.files.catalogue import load_catalogue
from appraisal.adapters.projections.facts_reader import FactsReader
from appraisal.adapters.projections.figures_reader import FiguresReader
from appraisal.application.appraising import Appraising
from appraisal.application.views import Filters, figures_view, scores_view
from appraisal.bootstrap import SUBSCRIBED, create_relay, create_workers, engine_for, facts_projection
from appraisal.domain.appraisal import Appraisal, appraise
from appraisal.domain.periods import Period, Window
from appraisal.settings import AppraisalSettings
from services.appraisal.tests.appraisal_events import teams_of_a_city_of_its_own, two_teams_in_2026
from shared.contracts import topics
from shared.messaging import Delivery, KafkaPublisher, Message, ensure_topics
from shared.testing.kafka import eventually, read_topic

Api = Any  # the `api` fixture (appraisal_api.Api)
AS_OF = datetime.fromisoformat("2027-01-15T00:00:00+08:00")


def produce(settings: AppraisalSettings, deliveries: list[Delivery]) -> None:
    """As signing's, health-records' and referral's relays do: the envelope, keyed by the topic's key."""
    KafkaPublisher(settings).publish(
        [Message(d.topic, str(d.envelope.data[topics.by_name(d.topic).key]), d.envelope.encode()) for d in deliveries]
    )


@contextmanager
def projecting(settings: AppraisalSettings) -> Iterator[Engine]:
    engine = engine_for(settings)
    worker, stop = create_workers(settings, engine)[0], threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        yield engine
    finally:
        stop.set()
        thread.join()
        engine.dispose()


def view(engine: Engine, area: str) -> dict[str, Any]:
    """What the API would show of the area's 2026 appraisal as of 15 January 2027."""
    zone = AppraisalSettings().timezone
    appraising = Appraising(load_catalogue(), FiguresReader(engine, zone), zone)
    return shown(appraising.appraise(Period.parse("2026"), AS_OF, AS_OF, area).appraisal, area)


def computed(engine: Engine, area: str) -> dict[str, Any]:
    """The same computed from the facts (the reference)."""
    zone, year = AppraisalSettings().timezone, Period.parse("2026")
    facts = FactsReader(engine, zone).snapshot(AS_OF, year, area).facts
    return shown(appraise(load_catalogue().for_period(year), facts, Window(year, AS_OF, zone)), area)


def shown(a: Appraisal, area: str) -> dict[str, Any]:
    return {"figures": figures_view(a, Filters(area, key_population="*")), "scores": scores_view(a, Filters(area))}


def test_the_live_projection_and_a_rebuild_from_scratch_show_the_same(service_settings: Callable[..., Any]) -> None:
    t1, t2 = teams_of_a_city_of_its_own()
    city, story = t1[2][:4], two_teams_in_2026(t1, t2)
    run = uuid.uuid4().hex[:8]
    live = service_settings(AppraisalSettings, consumer_group=f"appraisal-live-{run}")
    ensure_topics(live, SUBSCRIBED)
    direct = engine_for(service_settings(AppraisalSettings, database_schema=f"direct_{run}"))
    facts_projection(live, direct).apply(story)
    expected = view(direct, city)
    assert expected == computed(direct, city)
    produce(live, story[:5])

    with projecting(live) as engine:
        produce(live, story[5:])  # while it runs
        eventually(lambda: view(engine, city) == expected, timeout=60)
        shown = view(engine, city)
    rebuilt = service_settings(AppraisalSettings, database_schema=f"rebuilt_{run}", consumer_group=f"rebuild-{run}")
    with projecting(rebuilt) as engine:
        eventually(lambda: view(engine, city) == shown, timeout=60)

    assert any(f["indicator_id"] == "satisfaction" and f["value"] == "0.5000" for f in shown["figures"])
    direct.dispose()


def test_published_results_reach_the_results_topic(api: Api, kafka_client: dict[str, Any]) -> None:
    t1, t2 = teams_of_a_city_of_its_own()
    api.feed(*two_teams_in_2026(t1, t2))
    published = api.post("/periods/2026/publication", {"as_of": "2027-01-15T00:00:00+08:00"})
    assert published.status_code == 201, published.text
    ensure_topics(api.settings, [topics.APPRAISAL_RESULTS])

    relay = create_relay(api.settings, api.client.app.state.store)
    relay.relay_once()

    def mine(ms: list[Any]) -> list[dict[str, Any]]:
        return [json.loads(m.value()) for m in ms if m.key().decode() in {t1[0], t2[0], t1[1], t2[1]}]

    got = mine(read_topic(kafka_client, topics.APPRAISAL_RESULTS.name, lambda ms: len(mine(ms)) == 4, timeout=60))
    assert {e["type"] for e in got} == {"appraisal.AppraisalPublished.v1"}
    subjects = {("team", t1[0]), ("team", t2[0]), ("institution", t1[1]), ("institution", t2[1])}
    assert {e["data"]["result_id"] for e in got} == {f"ar-2026-{kind}-{subject}" for kind, subject in subjects}
