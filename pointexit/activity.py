"""Is a campaign or routing offer on now, coming, or over? Pure, `now` is passed in.

A window the page states decides first (ended when its end has passed,
upcoming before its start). Without one, what was seen decides: an item the
spider's newest ok run no longer found has ended, at the latest when it was
last seen. A spider whose newest run failed proves nothing: its items stay
as they were, marked stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

ACTIVE, UPCOMING, ENDED = "active", "upcoming", "ended"


@dataclass(frozen=True)
class Activity:
    state: str
    ended_at: datetime | None = None  # for ENDED: the window's end, else when last seen
    ended_by: str | None = None  # "window" (the page said so) or "gone" (no longer listed)


def window_over(ends_at: datetime, now: datetime) -> bool:
    """Past a stated end, which includes its last unit: 「〜11/30 23:59」 (stored
    23:59:00) runs through 23:59:59, as a date-only end (stored 23:59:59) does;
    both are over at 00:00, the moment the advisor's day-level end is too."""
    whole_minute = ends_at.second == 0 and ends_at.microsecond == 0
    return now >= ends_at + (timedelta(minutes=1) if whole_minute else timedelta(seconds=1))


def activity(*, starts_at: datetime | None, ends_at: datetime | None, last_seen: datetime,
             confirmed: bool, now: datetime) -> Activity:
    if ends_at is not None and window_over(ends_at, now):
        return Activity(ENDED, ends_at, "window")
    if not confirmed:
        return Activity(ENDED, min(last_seen, ends_at) if ends_at else last_seen, "gone")
    if starts_at is not None and starts_at > now:
        return Activity(UPCOMING)
    return Activity(ACTIVE)


def shown(act: Activity, now: datetime, days: int) -> bool:
    """Listed at all: on now, coming, or ended within the last `days` days."""
    return act.state != ENDED or (act.ended_at is not None and act.ended_at >= now - timedelta(days=days))
