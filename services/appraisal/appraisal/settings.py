"""Appraisal's settings (environment variables, e.g. DATABASE_URL, CONSUMER_GROUP, CATALOGUE_FILE)."""

from pathlib import Path

from pydantic import Field

from appraisal.adapters.files.catalogue import DEFAULT
from shared.settings import ServiceSettings

GUANGDONG = ("4401", "4402", "4403", "4404", "4405", "4406", "4407", "4408", "4409", "4412", "4413", "4414", "4415",
             "4416", "4417", "4418", "4419", "4420", "4451", "4452", "4453")  # fmt: skip
"""Guangdong's 21 cities (GB/T 2260)."""


class AppraisalSettings(ServiceSettings):
    http_port: int = 8004
    database_schema: str = Field(default="appraisal", description="The views: disposable, rebuilt from the streams")
    event_store_schema: str = Field(
        default="",
        pattern=r"^([a-z_][a-z0-9_]{0,62})?$",
        description="Appraisal's own events (published results, the population register), never dropped "
        "by a rebuild of the views; empty: DATABASE_SCHEMA + '_events'",
    )
    consumer_group: str = Field(
        default="appraisal.contracts-signed", description="The first slice's name, kept: deployed offsets carry over"
    )
    catalogue_file: Path = Field(
        default=DEFAULT, description="The indicator catalogue: versions, formulas, weights, thresholds (JSON)"
    )
    kept_reads: int = Field(
        default=8,
        ge=0,
        le=64,
        description="Reads the API keeps for the polls that follow while nothing they count changed, within "
        "`KEPT_READS_MB`; each holds an area's figures (about 600 bytes a figure, 300 more once written; reads of "
        "the same view share the figures that did not change). The latest read of as many views keeps its counts "
        "too (about 850 bytes a figure), for the next read to count from; 0: none",
    )
    kept_reads_mb: int = Field(
        default=96,
        ge=0,
        le=65_536,
        description="The memory the reads kept (`KEPT_READS`), their counts and their figures and scores as written "
        "may take, in MiB, whatever the city's size; a read heavier than its share is not kept. A city of a million "
        "residents: a view about 33 MB without the key populations, 74 MB with them",
    )
    strata_kept_daily: int = Field(
        default=14,
        ge=1,
        le=366,
        description="Days whose every midnight's strata stay kept (a past as-of's first read adds up that day's "
        "changes); before them, Mondays' only (a week's at most). A city of 500,000: about 20,000 rows a period a day",
    )
    strata_keep_grace_seconds: int = Field(
        default=600,
        ge=0,
        le=86_400,
        description="How long past a midnight the facts projected must have been known before its strata are kept: "
        "facts known before it may still come on other partitions",
    )
    partition_cities: tuple[str, ...] = Field(
        default=GUANGDONG,
        description="The cities (first four digits of an area code) whose figures and facts get a partition of their "
        "own; the rest share one. List a city before its first fact arrives.",
    )

    @property
    def events_schema(self) -> str:
        return self.event_store_schema or f"{self.database_schema}_events"
