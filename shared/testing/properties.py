"""Hypothesis profiles: CI tries the same examples every run; exploring tries new ones.

A change must land or not on its own merits, so `make test` derandomizes every property test
(profile `ci`, loaded here for every session): the same code passes or fails the same way. The
examples it never tries are `make explore`'s (profile `explore`, a fresh seed a round), the job
a nightly schedule runs; a failure there prints its seed, and
`pytest -m hypothesis --hypothesis-profile=explore --hypothesis-seed=SEED` replays it. The
appraisal's oracle test found a recomputation bug only so (ADR 0001).
"""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False, database=None, print_blob=True)
settings.load_profile("ci")
