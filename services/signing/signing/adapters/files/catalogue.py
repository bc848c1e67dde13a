"""The package catalogue as data: a JSON file per deployment (areas, dates, fees, items)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, Field

from signing.domain.catalogue import Catalogue, Package, ServiceItem

DEFAULT = Path(__file__).with_name("packages.json")


class _Item(BaseModel):
    code: str
    name: str
    times_per_year: int = Field(ge=1, le=366)


class _Package(BaseModel):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    name: str
    area_prefix: str = Field(pattern=r"^(\d{2}){0,6}$")
    valid_from: date
    valid_to: date | None
    annual_fee_fen: int = Field(ge=0)
    key_populations: list[str]
    items: list[_Item]


class _File(BaseModel):
    source: str
    packages: list[_Package]


def load_catalogue(path: Path = DEFAULT) -> Catalogue:
    data = _File.model_validate_json(path.read_bytes())
    return Catalogue(
        tuple(
            Package(
                p.code,
                p.name,
                p.area_prefix,
                p.valid_from,
                p.valid_to,
                p.annual_fee_fen,
                tuple(p.key_populations),
                tuple(ServiceItem(i.code, i.name, i.times_per_year) for i in p.items),
            )
            for p in data.packages
        )
    )
