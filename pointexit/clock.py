"""Japan's time. The only place that reads the wall clock for the app."""

import os
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


def now_jst() -> datetime:
    """Now in JST — or the moment POINTEXIT_NOW (ISO 8601, JST unless it says)
    pins: a crawl of recorded pages and the commands that read it can then be
    replayed as of one moment (the pages' dates often omit the year, which is
    taken from when they were seen)."""
    pinned = os.environ.get("POINTEXIT_NOW")
    if not pinned:
        return datetime.now(JST)
    try:
        t = datetime.fromisoformat(pinned)
    except ValueError:
        from pointexit.errors import UserError

        raise UserError(f"POINTEXIT_NOW={pinned!r}: expected a time like 2026-11-23T09:00+09:00") from None
    return t.astimezone(JST) if t.tzinfo else t.replace(tzinfo=JST)


def at_jst(timestamp: float) -> datetime:
    """When something happened (a log record's time.time()) in JST — or, as
    now_jst() says, the moment POINTEXIT_NOW pins: the logs of a replay then
    carry the time its pages and feed are dated."""
    if os.environ.get("POINTEXIT_NOW"):
        return now_jst()
    return datetime.fromtimestamp(timestamp, JST)


def on_app_clock(t: datetime) -> datetime:
    """A time on the wall clock (when the scheduler will next fire) in JST as
    the app's clock tells it: with POINTEXIT_NOW pinned, the pinned moment
    plus how long until then (to the second), as the log lines around it and
    the page are dated."""
    if not os.environ.get("POINTEXIT_NOW"):
        return t.astimezone(JST)
    ahead = t - datetime.now(JST)
    return now_jst() + timedelta(seconds=round(ahead.total_seconds()))


def today_jst() -> date:
    return now_jst().date()
