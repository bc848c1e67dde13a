"""The appraisal API under Schemathesis: every operation, an administrator and an official of
the area, with a year of two teams' facts and a published period to aim at."""

from __future__ import annotations

from collections.abc import Callable

from appraisal.bootstrap import create_app, facts_projection
from appraisal.settings import AppraisalSettings
from services.appraisal.tests.appraisal_api import NOW
from services.appraisal.tests.appraisal_events import R1, T1, two_teams_in_2026
from shared.testing.fuzz import bearer, fuzzing


def test_no_request_is_a_server_error_and_every_answer_is_documented(
    settings: AppraisalSettings, mint_token: Callable[..., str], fuzz_report: Callable[..., None]
) -> None:
    app = create_app(settings, clock=lambda: NOW)
    facts_projection(settings, app.state.engine).apply(two_teams_in_2026())
    admin = bearer(mint_token("admin"))
    official = bearer(mint_token("official", area="440106"))
    with fuzzing(app) as fuzzer:
        published = fuzzer.client.post(
            "/periods/2026/publication",
            json={"as_of": "2027-01-15T00:00:00+08:00"},
            headers=admin | {"Idempotency-Key": "fz-2026"},
        )
        assert published.status_code == 201, published.text
        known = {
            "period": "2026",
            "team_id": T1[0],
            "area_code": T1[2],
            "area": T1[2],
            "year": "2026",
            "result_id": "ar-2026-team-T1",
            "resident_ref": R1,
        }
        tally = fuzzer.run([admin, official], known)
    app.state.engine.dispose()
    fuzz_report("appraisal", tally)
    assert tally.server_errors == 0 and not tally.failures, tally.verdict()
