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
    (None, NOW, True, Activity(ENDED, NOW, "window")),
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
