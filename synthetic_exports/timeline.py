"""The simulated period and the export batches (fixed dates: output never depends on today)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property

FIRST_BATCH = date(2026, 11, 20)  # a Friday

# Which sources export nothing on a weekend day: banks publish no rates, the support
# desk is closed, and the payment provider's export job does not run on Sundays.
WEEKEND_ABSENT = {5: ("support", "reference"), 6: ("payments", "support", "reference")}

# Overlap between consecutive delta batches: records changed in the last hours before a
# cut-off are exported again by the next batch.
OVERLAP = timedelta(hours=3)


@dataclass(frozen=True)
class Timeline:
    days: int
    batches: int

    @cached_property
    def batch_dates(self) -> list[date]:
        return [FIRST_BATCH + timedelta(days=i) for i in range(self.batches)]

    @cached_property
    def end_date(self) -> date:
        return self.batch_dates[-1]

    @cached_property
    def cutoffs(self) -> list[datetime]:
        """End of each export day (exclusive), UTC."""
        return [
            datetime(d.year, d.month, d.day, tzinfo=UTC) + timedelta(days=1)
            for d in self.batch_dates
        ]

    @cached_property
    def end(self) -> datetime:
        return self.cutoffs[-1]

    @cached_property
    def start(self) -> datetime:
        return self.end - timedelta(days=self.days)

    def present(self, k: int, path: str) -> bool:
        """Whether batch k holds the file (the first batch, a full load, holds every file)."""
        if k == 0:
            return True
        return path.split("/")[0] not in WEEKEND_ABSENT.get(self.weekdays[k], ())

    @cached_property
    def weekdays(self) -> list[int]:
        return [b.weekday() for b in self.batch_dates]

    def has_manifest(self, k: int) -> bool:
        return self.batches == 1 or k % 4 != 1

    def batch_of(self, t: datetime) -> int | None:
        """Index of the batch whose window holds instant t (None: after the last cut-off)."""
        for k, cut in enumerate(self.cutoffs):
            if t < cut:
                return k
        return None
