"""Which settlement figures a query covers (narrowed by `access.view_scope` to the caller's)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    period: str = ""  # "2026-03", or "2026" for the whole year
    bureau_id: str | None = None
    institution_id: str | None = None
    area_prefix: str = ""
    payer: str | None = None
