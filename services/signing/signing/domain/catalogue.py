"""Service packages: items with yearly frequencies and a fee, set per area and effective-dated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from signing.domain.errors import PackageNotOffered


@dataclass(frozen=True)
class ServiceItem:
    code: str
    name: str
    times_per_year: int


@dataclass(frozen=True)
class Package:
    code: str
    name: str
    area_prefix: str  # "" for everywhere, "44" a province, "4401" a city, "440106" a county
    valid_from: date
    valid_to: date | None
    annual_fee_fen: int
    key_populations: tuple[str, ...]
    items: tuple[ServiceItem, ...]

    def offered(self, area_code: str, on: date) -> bool:
        in_force = self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)
        return in_force and area_code.startswith(self.area_prefix)


@dataclass(frozen=True)
class Catalogue:
    packages: tuple[Package, ...]

    def offer(self, code: str, area_code: str, on: date) -> Package:
        """The package as offered in the area on that date: the most local entry wins."""
        offers = [p for p in self.packages if p.code == code and p.offered(area_code, on)]
        if not offers:
            raise PackageNotOffered(f"package {code!r} is not offered in area {area_code} on {on}")
        return max(offers, key=lambda p: len(p.area_prefix))

    def offered_in(self, area_code: str, on: date) -> list[Package]:
        """Every package offered in the area on that date, each as its most local entry."""
        codes = dict.fromkeys(p.code for p in self.packages if p.offered(area_code, on))
        return [self.offer(code, area_code, on) for code in codes]
