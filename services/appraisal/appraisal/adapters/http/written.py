"""The figures and scores of the latest views as written, for the reads that follow: a city's
are megabytes of JSON (its 20,000 figures) and half a megabyte (its 1,400 scores), written
again at every poll before."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic_core import to_json

from appraisal.adapters.http.figures_json import FiguresJson
from appraisal.application.recent import Bounded
from appraisal.application.views import Filters, figures_view, scores_view
from appraisal.domain.appraisal import Appraisal
from appraisal.domain.figures import Figure
from appraisal.domain.scoring import Score
from appraisal.domain.strata import Subjects


class WrittenFigures:
    """The figures of the latest views as written, for the reads that follow: each
    indicator's, held by its figures and subjects, compared by identity. A kept read
    (`Recent`) gives the same figures again, and a read counted from the one before
    (`Counted.changed`) the same figures of every indicator it changed nothing of: the same
    filters then give the same bytes, written once (a city's are megabytes). Of the `size`
    filters used last, at most `budget` bytes written (None: no bound)."""

    def __init__(self, size: int, budget: int | None = None) -> None:
        self._kept = Bounded[Filters, Written](size, budget, lambda w: sum(len(part) for _, _, part in w.values()))

    def figures(self, appraisal: Appraisal, only: Filters) -> bytes:
        return b"".join(self.parts(appraisal, only))

    def parts(self, appraisal: Appraisal, only: Filters) -> list[bytes]:
        """The JSON array of the figures, in parts to join (once: a city's are megabytes)."""
        if not appraisal.figured:  # a series' figures
            return [to_json(figures_view(appraisal, only))]
        kept, written = self._kept.pop(only) or {}, {}
        writer = FiguresJson(appraisal.catalogue, appraisal.subjects, only)
        for i in appraisal.catalogue.indicators:
            figures, found = appraisal.figured[i.id][0], kept.get(i.id)
            if found is None or found[0] is not figures or found[1] is not appraisal.subjects:
                found = (figures, appraisal.subjects, writer.written(figures))
            written[i.id] = found
        self._kept.put(only, written)
        pieces = [b"["]
        for part in (part for _, _, part in written.values() if part):
            pieces += [part, b","]
        return [*pieces[:-1], b"]"] if len(pieces) > 1 else [b"[]"]


Written = dict[str, tuple[Sequence[Figure], Subjects, bytes]]
"""Per indicator: the figures and subjects a view was written from, and the JSON written."""


class WrittenScores:
    """The scores of the latest views as written: a kept read (`Recent`), and a read counted
    from the one before that changed no scored figure, give the same scores (the same tuple),
    which the same filters write as the same bytes. Of the `size` filters used last, at most
    `budget` bytes written (None: no bound)."""

    def __init__(self, size: int, budget: int | None = None) -> None:
        self._kept = Bounded[Filters, tuple[Sequence[Score], bytes]](size, budget, lambda w: len(w[1]))

    def scores(self, appraisal: Appraisal, only: Filters) -> bytes:
        """The JSON array of the scores in the filters."""
        found = self._kept.get(only)
        if found is None or found[0] is not appraisal.scores:
            found = (appraisal.scores, to_json(scores_view(appraisal, only)))
            self._kept.put(only, found)
        return found[1]
