"""Each rule fails when the installation breaks it: a copy of prod, broken one way at a time."""

from __future__ import annotations

from collections.abc import Callable

from deploy.tests import kafka_policy, policy
from deploy.tests.manifests import Obj, containers, named, pod_spec
from deploy.tests.schemas import validation_errors

Rendered = Callable[[str], list[Obj]]


def _prod(rendered: Rendered) -> list[Obj]:
    return rendered("overlays/prod")


def _app(objects: list[Obj], kind: str, name: str) -> Obj:
    workload = named(objects, kind, name)
    assert workload is not None
    return next(containers(workload))


def _without(objects: list[Obj], kind: str, name: str) -> list[Obj]:
    return [o for o in objects if not (o["kind"] == kind and o["metadata"]["name"] == name)]


def test_removing_the_api_readiness_probe_is_caught(rendered: Rendered) -> None:
    objects = _prod(rendered)
    del _app(objects, "Deployment", "signing-api")["readinessProbe"]
    assert policy.container_violations(objects) == [
        "Deployment signing-api container app: no readinessProbe",
        "Deployment signing-api container app: the API's probes must be /health/live and /health/ready, "
        "not {'livenessProbe': '/health/live', 'readinessProbe': None}",
    ]


def test_removing_a_worker_liveness_probe_is_caught(rendered: Rendered) -> None:
    objects = _prod(rendered)
    del _app(objects, "Deployment", "signing-relay")["livenessProbe"]
    assert policy.container_violations(objects) == ["Deployment signing-relay container app: no livenessProbe"]


def test_a_probe_on_the_wrong_path_is_caught(rendered: Rendered) -> None:
    objects = _prod(rendered)
    _app(objects, "Deployment", "billing-api")["readinessProbe"]["httpGet"]["path"] = "/health/live"
    assert len(policy.container_violations(objects)) == 1


def test_a_latest_image_missing_limits_and_a_root_container_are_caught(rendered: Rendered) -> None:
    objects = _prod(rendered)
    job = named(objects, "Job", "referral-migrate") or {}
    app = next(containers(job))
    app["image"] = "registry.example.gov.cn/fdcs/fdcs:latest"
    del app["resources"]["limits"]["memory"]
    app["securityContext"] = {}
    del pod_spec(job)["securityContext"]
    found = policy.container_violations(objects)
    assert len(found) == 7 and all(v.startswith("Job referral-migrate container app") for v in found)


def test_removing_a_topic_the_code_uses_is_caught(rendered: Rendered) -> None:
    objects = _without(_prod(rendered), "KafkaTopic", "fdcs.signing.contracts")
    assert kafka_policy.topic_violations(objects) == ["no KafkaTopic for fdcs.signing.contracts"]


def test_removing_a_dead_letter_topic_or_changing_partitions_is_caught(rendered: Rendered) -> None:
    objects = _without(_prod(rendered), "KafkaTopic", "fdcs.deadletter.appraisal.contracts-signed")
    (named(objects, "KafkaTopic", "fdcs.appraisal.results") or {})["spec"]["partitions"] = 3
    assert kafka_policy.topic_violations(objects) == [
        "fdcs.appraisal.results: 3 partitions, fewer than the code's 6",
        "no KafkaTopic for fdcs.deadletter.appraisal.contracts-signed",
    ]


def test_a_setting_left_unset_is_caught(rendered: Rendered) -> None:
    objects = _prod(rendered)
    signing_settings = next(o for o in objects if o["metadata"]["name"].startswith("signing-settings"))
    del signing_settings["data"]["CATALOGUE_FILE"]
    found = policy.settings_violations(objects)
    assert found == [
        f"signing-{process} ({role} signing) does not set CATALOGUE_FILE"
        for process, role in (("api", "serve"), ("projection", "project"), ("relay", "relay"), ("migrate", "migrate"))
    ]


def test_a_missing_relay_or_companion_is_caught(rendered: Rendered) -> None:
    objects = _without(_without(_prod(rendered), "Deployment", "signing-relay"), "PodDisruptionBudget", "billing-api")
    assert policy.process_violations(objects) == [
        "signing: `python -m fdcs relay signing` is missing",
        "billing: no PodDisruptionBudget selects the API's pods",
    ]


def test_a_missing_network_policy_is_caught(rendered: Rendered) -> None:
    objects = _without(_without(_prod(rendered), "NetworkPolicy", "appraisal"), "NetworkPolicy", "fdcs-metrics")
    # Their egress stays denied but for DNS (the platform's policy), their ingress opens (the
    # scrape policy alone would still keep it to Prometheus: it goes too, to see the rule bite).
    assert policy.network_violations(objects) == [
        f"appraisal-{process}: no NetworkPolicy restricts its ingress"
        for process in ("api", "projection", "relay", "migrate")
    ]


def test_a_partner_reading_by_prefix_is_caught(rendered: Rendered) -> None:
    objects = rendered("overlays/dev")
    hospital = named(objects, "KafkaUser", "hospital-h4401001") or {}
    hospital["spec"]["authorization"]["acls"][0]["resource"].update(
        name="fdcs.referral.hospital.", patternType="prefix"
    )
    assert kafka_policy.acl_violations(objects) == [
        "partner hospital-h4401001 may reach fdcs.referral.hospital. (prefix), "
        "not only fdcs.referral.hospital.h4401001",
    ]


def test_a_claims_source_reading_its_topic_or_any_group_is_caught(rendered: Rendered) -> None:
    objects = rendered("overlays/dev")
    source = named(objects, "KafkaUser", "claims-b4401") or {}
    source["spec"]["authorization"]["acls"][0]["operations"] = ["Write", "Describe", "Read"]
    source["spec"]["authorization"]["acls"].append(
        {"resource": {"type": "group", "name": "claims-b4401.", "patternType": "prefix"}, "operations": ["Read"]}
    )
    assert kafka_policy.acl_violations(objects) == [
        "partner claims-b4401 may ['Describe', 'Read', 'Write'] on its topic: write only",
        "partner claims-b4401 may use the consumer group claims-b4401.",
    ]


def test_a_service_writing_another_services_topic_is_caught(rendered: Rendered) -> None:
    objects = _prod(rendered)
    billing = named(objects, "KafkaUser", "billing") or {}
    billing["spec"]["authorization"]["acls"].append(
        {"resource": {"type": "topic", "name": "fdcs.signing.contracts"}, "operations": ["Write"]}
    )
    assert kafka_policy.acl_violations(objects) == [
        "billing may write fdcs.signing.contracts, outside its own fdcs.billing.",
        "fdcs.signing.contracts is written by ['billing', 'signing'], it should be by signing only",
    ]


def test_a_misspelt_field_fails_validation(rendered: Rendered) -> None:
    objects = _prod(rendered)
    topic = named(objects, "KafkaTopic", "fdcs.signing.teams") or {}
    topic["spec"]["partition"] = topic["spec"].pop("partitions")
    assert validation_errors(topic) == [
        "KafkaTopic fdcs.signing.teams: spec: Additional properties are not allowed ('partition' was unexpected)"
    ]
