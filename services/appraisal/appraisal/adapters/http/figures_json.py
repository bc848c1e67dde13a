"""A view's figures written straight to JSON: the bytes `to_json(shown_figures(...))` writes,
with no dict made per figure (a city's are tens of thousands, each of thirteen fields). What a
figure says of its indicator is written once per indicator, and where it is once per stratum
(the same for each of its indicators), and its numbers once per numerator, denominator,
value and points (which a city's figures share many of: `figures.figure`)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from pydantic_core import to_json

from appraisal.application.views import Filters, wanted_figures
from appraisal.domain.catalogue import CatalogueVersion
from appraisal.domain.figures import Figure
from appraisal.domain.strata import Stratum, Subjects


class FiguresJson:
    """The figures wanted of one appraisal's subjects, written indicator by indicator: what is
    written once is kept for all of them."""

    def __init__(self, catalogue: CatalogueVersion, subjects: Subjects, only: Filters) -> None:
        self._of = (catalogue, subjects, only)
        self._said: dict[str, bytes] = {}
        self._where: dict[Stratum, bytes] = {}
        self._areas: dict[Stratum, str] = {}
        self._counted: dict[tuple[int, int | None, Decimal | None, Decimal | None], bytes] = {}
        """By numerator, denominator, value and points: equal ones are written alike (a value is
        to four places, or a count's whole number with no denominator; points to two)."""

    def written(self, figures: Iterable[Figure]) -> bytes:
        """The figures wanted, as the members of a JSON array, without its brackets."""
        said, where, counted, written = self._said, self._where, self._counted, list[bytes]()
        for f, area, (title, dimension, weight, target) in wanted_figures(*self._of, figures, self._areas):
            if (head := said.get(f.indicator_id)) is None:
                of = {"indicator_id": f.indicator_id, "title": title, "dimension": dimension, "weight": weight}
                head = said[f.indicator_id] = to_json(of | {"target": target})[:-1] + b","
            if (place := where.get(f.stratum)) is None:
                s = f.stratum
                at = {"level": s.level, "stratum_id": s.id, "area_code": area}
                place = where[s] = to_json(at | {"key_population": s.key_population or None})[1:-1]
            if (tail := counted.get(f[2:])) is None:
                numbers = (f.numerator, _number(f.denominator), _text(f.value), _text(f.points))
                tail = counted[f[2:]] = b',"numerator":%d,"denominator":%b,"value":%b,"points":%b}' % numbers
            written += (head, place, tail, b",")
        return b"".join(written[:-1])


def _number(n: int | None) -> bytes:
    return b"null" if n is None else b"%d" % n


def _text(value: Decimal | None) -> bytes:
    """As `views.as_text`, a JSON string: a decimal's digits, point, sign and exponent need no escaping."""
    return b"null" if value is None else b'"%s"' % str(value).encode()
