"""The property tests' examples: the same in CI, new ones when exploring (`make explore`)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import settings

ROOT = Path(__file__).resolve().parents[2]


def test_a_test_session_tries_the_same_examples_on_every_run() -> None:
    assert settings.get_current_profile_name() == "ci"
    assert settings.default.derandomize


def test_exploring_tries_examples_of_a_fresh_seed() -> None:
    assert not settings.get_profile("explore").derandomize


def test_no_property_test_fixes_its_own_examples() -> None:
    """A test's own `derandomize=True` outweighs a seed: `make explore` would never vary it."""
    tests = [*ROOT.glob("services/*/tests/**/*.py"), *ROOT.glob("*/tests/**/*.py")]
    fixed = [
        f"{path.relative_to(ROOT)}: {line}"
        for path in tests
        for line in path.read_text().splitlines()
        if line.startswith("@settings(") and "derandomize" in line
    ]
    assert fixed == []
