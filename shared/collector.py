"""The garbage collector's settings for the platform's long-running processes.

A service or worker keeps many long-lived objects (its stream cache, appraisal's counts, a
projection's catalogue and connections) and makes many short-lived ones. With the default
thresholds the collector runs every 700 allocations and walks the older objects often:
an API's loop paused for tens of ms (p99 100 ms, 15 ms with these thresholds), and
appraisal's projection spent about a third of its arithmetic collecting (bench/README.md).
"""

from __future__ import annotations

import gc


def long_lived() -> None:
    """Freeze what start-up made (never collected again) and collect the young every 50,000 allocations."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
