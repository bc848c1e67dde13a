"""The ACLs the test broker gets (shared/servers/principals.py) are the manifests' ACLs, and
the partners the tests invent get ACLs written the way the example partners are."""

from __future__ import annotations

from collections.abc import Callable

from deploy.tests.manifests import Obj, acls, labels
from shared.servers.principals import bindings, partner_acls, partner_user, principals


def test_the_example_partners_are_what_the_helper_makes_for_their_ids() -> None:
    users = principals()
    kinds = ("hospital", "bureau", "claims")
    partners = [(name, kind) for name in users for kind in kinds if name.startswith(f"{kind}-")]
    assert {kind for _, kind in partners} == set(kinds), "an example of each kind of partner"
    for name, kind in partners:
        partner_id = name.removeprefix(f"{kind}-")
        assert partner_user(kind, partner_id) == name
        assert sorted(map(str, users[name])) == sorted(map(str, partner_acls(kind, partner_id))), name


def test_the_partner_labels_name_the_same_partner(rendered: Callable[[str], list[Obj]]) -> None:
    for user in (o for o in rendered("overlays/dev") if o["kind"] == "KafkaUser"):
        kind, partner_id = labels(user).get("fdcs.gov.cn/partner"), labels(user).get("fdcs.gov.cn/partner-id")
        if kind is not None:
            assert kind in ("hospital", "bureau", "claims") and partner_id
            assert partner_user(kind, partner_id) == user["metadata"]["name"]


def test_the_files_read_are_what_kustomize_renders(rendered: Callable[[str], list[Obj]]) -> None:
    """No overlay patches a user's ACLs behind the reader's back, and no user is missed."""
    users = {o["metadata"]["name"]: o for o in rendered("overlays/dev") if o["kind"] == "KafkaUser"}
    read = principals()
    assert set(read) == set(users)
    for name, user in users.items():
        assert sorted(map(str, read[name])) == sorted(map(str, bindings(name, acls(user)))), name
