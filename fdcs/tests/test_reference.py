"""The generated documents are current, and every relative link in the markdown resolves."""

from __future__ import annotations

import re
from pathlib import Path

from fdcs import reference
from shared.contracts.registry import PUBLIC_EVENTS

ROOT = reference.ROOT
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
URL = re.compile(r"^[a-z][a-z0-9+.-]*:")
# A path from the repository's root in backticks (`shared/web/commands.py`, `services/<name>/tests/`).
NAMED_PATH = re.compile(r"`((?:shared|services|fdcs|deploy|bench|docs|tests/integration)/[^`\s:]*)")


def test_the_event_catalogue_and_the_settings_table_are_what_the_code_renders() -> None:
    for path, text in reference.rendered().items():
        assert path.read_text() == text, f"{path.relative_to(ROOT)} is stale: run `make contracts` and commit it"


def test_the_catalogue_lists_every_public_event() -> None:
    page = reference.EVENTS.read_text()
    assert [t for t in PUBLIC_EVENTS if f"[{t}]" not in page] == []


def test_every_relative_link_in_the_markdown_resolves() -> None:
    broken = [f"{page.relative_to(ROOT)}: {target}" for page in _markdown_pages() for target in _broken_links(page)]
    assert broken == []


def test_every_file_a_page_names_exists() -> None:
    """The architecture walks real modules: a renamed or removed one fails here, not in a reader's hands."""
    missing = [
        f"{page.relative_to(ROOT)}: {path}"
        for page in _markdown_pages()
        for path in NAMED_PATH.findall(page.read_text())
        if not any(ROOT.glob(re.sub(r"<[^>]+>|…", "*", path).rstrip("/")))
    ]
    assert missing == []


def _markdown_pages() -> list[Path]:
    """The project's pages: not those of the environment, caches or local data (hidden folders)."""
    return [
        page
        for page in ROOT.rglob("*.md")
        if not any(part.startswith(".") or part == "node_modules" for part in page.relative_to(ROOT).parts)
    ]


def _broken_links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.DOTALL)  # a code block holds no links
    targets = [t for t in LINK.findall(text) if not URL.match(t) and not t.startswith("#")]
    return [t for t in targets if not (page.parent / t.split("#", 1)[0]).exists()]
