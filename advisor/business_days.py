"""Japanese business days: weekends, national holidays (jpholiday) and the
sites' year-end break, which jpholiday does not know.

Most sites count Monday to Friday; a few also count Saturday (PointIncome's
「翌営業日(日曜・祝日を除く)」), which each question can say.

The break defaults to 12/29–1/3; sites announce their own dates each year,
so it is a parameter (the user's config can replace it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import jpholiday

DEFAULT_YEAR_END = ((12, 29), (1, 3))


@dataclass(frozen=True)
class Calendar:
    year_end: tuple[tuple[int, int], tuple[int, int]] | None = DEFAULT_YEAR_END
    closed_days: frozenset[date] = field(default_factory=frozenset)

    def is_business_day(self, d: date, saturdays: bool = False) -> bool:
        return _is_business_day(self, d, saturdays)

    def _is_business_day(self, d: date, saturdays: bool) -> bool:
        if d.weekday() >= (6 if saturdays else 5) or d in self.closed_days or jpholiday.is_holiday(d):
            return False
        if self.year_end:
            start, end = self.year_end
            md = (d.month, d.day)
            inside = start <= md <= end if start <= end else (md >= start or md <= end)
            if inside:
                return False
        return True

    def add_business_days(self, start: date, n: int, saturdays: bool = False) -> date:
        """The n-th business day after `start` (n=0: `start` itself)."""
        return _add_business_days(self, start, n, saturdays)

    def _add_business_days(self, start: date, n: int, saturdays: bool) -> date:
        d = start
        while n > 0:
            d += timedelta(days=1)
            if self.is_business_day(d, saturdays):
                n -= 1
        return d

    def latest_start(self, arrive_before: date, n: int) -> date:
        """The last day to apply so that n business days later is before the date."""
        d = arrive_before - timedelta(days=1)
        while True:
            if self.add_business_days(d, n) < arrive_before:
                return d
            d -= timedelta(days=1)


# The planner asks the same questions many times; the answers never change.
@lru_cache(maxsize=65536)
def _is_business_day(calendar: Calendar, d: date, saturdays: bool) -> bool:
    return calendar._is_business_day(d, saturdays)


@lru_cache(maxsize=65536)
def _add_business_days(calendar: Calendar, start: date, n: int, saturdays: bool) -> date:
    return calendar._add_business_days(start, n, saturdays)
