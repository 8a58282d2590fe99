"""On now, coming, or over: the rules behind `campaigns` and `offers`."""

from datetime import datetime, timedelta

import pytest

from pointexit.activity import ACTIVE, ENDED, UPCOMING, Activity, activity, shown
from pointexit.clock import JST

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=JST)
SEEN = NOW - timedelta(hours=2)


@pytest.mark.parametrize("starts, ends, confirmed, expected", [
    (None, None, True, Activity(ACTIVE)),
    (NOW - timedelta(days=1), NOW + timedelta(days=7), True, Activity(ACTIVE)),
    (NOW + timedelta(days=1), None, True, Activity(UPCOMING)),
    (None, NOW - timedelta(minutes=1), True, Activity(ENDED, NOW - timedelta(minutes=1), "window")),
    # An end written to the minute includes that minute (「〜12:00」 runs through 12:00:59).
    (None, NOW, True, Activity(ACTIVE)),
    (None, NOW - timedelta(seconds=1), True, Activity(ENDED, NOW - timedelta(seconds=1), "window")),
    (None, None, False, Activity(ENDED, SEEN, "gone")),
    # Gone before its stated end: it ended when last seen.
    (None, NOW + timedelta(days=3), False, Activity(ENDED, SEEN, "gone")),
])
def test_activity(starts, ends, confirmed, expected):
    assert activity(starts_at=starts, ends_at=ends, last_seen=SEEN, confirmed=confirmed, now=NOW) == expected


@pytest.mark.parametrize("act, days, listed", [
    (Activity(ACTIVE), 0, True),
    (Activity(UPCOMING), 0, True),
    (Activity(ENDED, NOW - timedelta(days=29), "window"), 30, True),
    (Activity(ENDED, NOW - timedelta(days=31), "window"), 30, False),
    (Activity(ENDED, NOW - timedelta(days=2), "gone"), 1, False),
])
def test_shown_within_days(act, days, listed):
    assert shown(act, NOW, days) is listed


@pytest.mark.parametrize("now, over", [
    (datetime(2026, 11, 30, 23, 59, 30, tzinfo=JST), False),
    (datetime(2026, 11, 30, 23, 59, 59, 999_999, tzinfo=JST), False),
    (datetime(2026, 12, 1, 0, 0, tzinfo=JST), True),
])
def test_a_window_to_2359_and_a_date_only_one_end_together_at_midnight(now, over):
    """「〜11/30 23:59」 is stored as 23:59:00 and 「〜11/30」 as 23:59:59: for the last
    minute of the day `campaigns` called the first over while the advisor still
    counted the whole day."""
    from pointexit.activity import window_over
    from spiders.parsing import parse_window

    _, to_the_minute = parse_window("2026/11/01(日)10:00～2026/11/30(月)23:59")
    _, whole_day = parse_window("2026/11/01～2026/11/30")
    assert (to_the_minute.second, whole_day.second) == (0, 59)
    assert window_over(to_the_minute, now) is over and window_over(whole_day, now) is over
