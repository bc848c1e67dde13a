"""The billing API under Schemathesis: every operation, an administrator and an insurance
bureau, with charged contracts and a closed month to aim at."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from billing.bootstrap import bureau_feed, create_app, engine_for
from billing.settings import BillingSettings
from shared.messaging.positions import AllApplied
from shared.testing.fuzz import fuzzing

from .conftest import Billing

BUREAU = "MIB-440106"


def test_no_request_is_a_server_error_and_every_answer_is_documented(
    settings: BillingSettings, mint_token: Callable[..., str], fuzz_report: Callable[..., None]
) -> None:
    clock = [datetime(2026, 2, 1, 2, tzinfo=UTC)]
    harness = Billing(settings, None, mint_token, clock)  # type: ignore[arg-type]
    harness.deliver(harness.signed("c1"), harness.signed("c2"))
    admin, bureau = harness.admin, harness.as_("insurance_bureau", bureau=BUREAU)
    app = create_app(settings, clock=lambda: clock[0])
    app.state.inputs = app.state.pay_inputs = AllApplied()  # the harness hands billing its events itself
    with fuzzing(app) as fuzzer:
        closed = fuzzer.client.post(
            "/settlement-periods/close",
            json={"period": "2026-01", "as_of": "2026-02-01"},
            headers=admin | {"Idempotency-Key": "fz-close"},
        )
        assert closed.status_code == 200, closed.text
        harness.build_view()
        feed_engine = engine_for(settings)
        bureau_feed(harness.store, feed_engine).catch_up()
        known = {"contract_id": "c1", "bureau_id": BUREAU, "period": "2026-01", "area_code": "440106"}
        tally = fuzzer.run([admin, bureau], known)
    harness.store.close()
    harness.view.engine.dispose()
    feed_engine.dispose()
    fuzz_report("billing", tally)
    assert tally.server_errors == 0 and not tally.failures, tally.verdict()
