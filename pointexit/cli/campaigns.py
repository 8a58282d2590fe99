"""`pointexit campaigns`: exchange campaigns on now (or coming), and those that ended lately.

Also the helpers `offers` shares: the as-of time, JST windows, percent text,
and the split of stored items into on-now and recently-ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Optional

import typer

from pointexit.catalog import point_unit, site_name
from pointexit.cli.app import (BadOption, DbOption, JsonOption, age_text, app, console, given_time, in_jst,
                               open_db)

DaysOption = Annotated[int, typer.Option(
    "--days", help="Also list what ended in the last N days.", show_default=True)]
AtOption = Annotated[Optional[str], typer.Option(
    "--at", help="Judge windows at this JST time instead of now, e.g. 2026-11-23T09:00.")]

STATE_LABEL = {"active": "実施中", "upcoming": "開始前"}
ENDED_LABEL = {"window": "期間終了", "gone": "掲載終了"}


def as_of(at: str | None, wall: datetime) -> datetime:
    if given_time(at, "--at") is None:
        return wall
    try:
        when = datetime.fromisoformat(at.strip())
    except ValueError:
        raise BadOption(f"bad --at {at!r}: expected a JST time like 2026-11-23T09:00") from None
    return in_jst(when, "--at", at)


MAX_DAYS = 36_500  # a hundred years back; far more overflows the date arithmetic


def check_days(days: int) -> int:
    if days < 0:
        raise BadOption(f"bad --days {days}: must be 0 or more")
    if days > MAX_DAYS:
        raise BadOption(f"bad --days {days}: must be at most {MAX_DAYS:,}")
    return days


def jst(when: datetime | None) -> str:
    from pointexit.clock import JST

    return when.astimezone(JST).strftime("%Y/%m/%d %H:%M") if when else ""


def window_text(starts_at: datetime | None, ends_at: datetime | None) -> str:
    """「2026/11/01 00:00〜2026/11/30 23:59」; either side may be unknown."""
    if not starts_at and not ends_at:
        return "期間の記載なし"
    return f"{jst(starts_at)}〜{jst(ends_at)}"


def percent_text(bp: int) -> str:
    """Basis points as the sites write percentages: 200 → 「2」, 150 → 「1.5」, 25 → 「0.25」."""
    return format((Decimal(bp) / 100).normalize(), "f")


def split_listed(sightings, now: datetime, days: int):
    """(on now or coming, ended within `days`), each as (record, sighting, activity)."""
    from pointexit.activity import ENDED, activity, shown

    on, ended = [], []
    for record, sighting in sightings:
        # The newest crawl no longer listing it says it is gone *by now*; as
        # of an earlier --at it was still listed if it was seen at or after then.
        confirmed = sighting.confirmed or record.last_seen >= now
        act = activity(starts_at=record.starts_at, ends_at=record.ends_at,
                       last_seen=record.last_seen, confirmed=confirmed, now=now)
        if not shown(act, now, days):
            continue
        (ended if act.state == ENDED else on).append((record, sighting, act))
    ended.sort(key=lambda r: r[2].ended_at, reverse=True)
    return on, ended


@dataclass
class Listed:
    now: datetime  # windows are judged at this time (--at, else the wall clock)
    wall: datetime  # ages are counted from this one
    days: int
    on: list
    ended: list

    def json(self, to_json, **extra) -> str:
        from pointexit.cli.safe_output import dumps

        return dumps({"as_of": self.now.isoformat(), "days": self.days, **extra,
                      "active": [to_json(*r, self.wall) for r in self.on],
                      "ended": [to_json(*r, self.wall) for r in self.ended]})


def listed(query, *, db: str | None, at: str | None, days: int, rank) -> Listed:
    """What `query` (a storage sightings function) holds, on now first, best `rank` first."""
    from pointexit.clock import now_jst

    days = check_days(days)
    wall = now_jst()
    now = as_of(at, wall)
    on, ended = split_listed(query(open_db(db)), now, days)
    on.sort(key=lambda r: (r[2].state != "active", rank(r[0]), r[0].site))
    return Listed(now, wall, days, on, ended)


def status_text(sighting, act) -> str:
    text = STATE_LABEL.get(act.state) or f"{ENDED_LABEL[act.ended_by]} {jst(act.ended_at)}"
    return text + (f" (古い: 最新のクロールは{sighting.last_verdict})" if sighting.stale else "")


def common_json(record, sighting, act, wall: datetime) -> dict:
    """Fields campaigns and offers share; age is counted from the wall clock, not --at."""
    return {
        "site": record.site, "site_name": site_name(record.site),
        "title": record.title, "status": act.state,
        "ended_at": act.ended_at.isoformat() if act.ended_at else None, "ended_by": act.ended_by,
        "starts_at": record.starts_at.isoformat() if record.starts_at else None,
        "ends_at": record.ends_at.isoformat() if record.ends_at else None,
        "window": window_text(record.starts_at, record.ends_at),
        "source_url": record.source_url, "first_seen": record.first_seen.isoformat(),
        "last_seen": record.last_seen.isoformat(),
        "age_seconds": int((wall - record.last_seen).total_seconds()),
        "stale": sighting.stale, "spider": sighting.spider,
    }


def campaign_json(record, sighting, act, wall: datetime) -> dict:
    from pointexit.catalog import DESTINATIONS

    dest = DESTINATIONS.get(record.destination)
    return {
        **common_json(record, sighting, act, wall),
        "destination": record.destination, "destination_label": dest.label if dest else record.destination,
        "kind": record.kind, "bonus_bp": record.bonus_bp, "bonus_percent": percent_text(record.bonus_bp),
        "cap_points": record.cap_points, "cap_text": record.cap_text,
        "capped": record.cap_points is not None or bool(record.cap_text),
        "first_come": record.first_come,
    }


def bonus_text(record) -> str:
    pct = percent_text(record.bonus_bp)
    return f"{pct}%割引" if record.kind == "discount" else f"+{pct}%増量"


def print_listed(found: Listed, heading: str, columns: tuple[str, ...], row, empty: str | None) -> None:
    """The on-now table and the recently-ended one, under a heading with the as-of time."""
    from rich.table import Table

    out = console()
    out.print(f"{heading} — {jst(found.now)} (JST) 時点")
    if empty:
        out.print(empty)
    for title, rows in (("実施中・開始前", found.on), (f"終了 (過去{found.days}日)", found.ended)):
        if not rows:
            continue
        table = Table(title=title, title_justify="left")
        for col in columns:
            table.add_column(col, overflow="fold")
        for record, sighting, act in rows:
            table.add_row(*row(record, sighting, act, found.wall))
        out.print(table)


def campaign_row(c, sighting, act, wall) -> list[str]:
    from pointexit.cli.safe_output import terminal

    from pointexit.catalog import DESTINATIONS

    dest = DESTINATIONS.get(c.destination)
    return [
        terminal(site_name(c.site)), terminal(dest.label if dest else c.destination), terminal(c.title),
        bonus_text(c), window_text(c.starts_at, c.ends_at),
        f"{c.cap_points:,}{point_unit(c.site)}" if c.cap_points is not None else terminal(c.cap_text or "なし"),
        "先着" if c.first_come else "—", terminal(status_text(sighting, act)),
        age_text(c.last_seen, wall), terminal(c.source_url),
    ]


@app.command("campaigns")
def campaigns_command(
    days: DaysOption = 30,
    at: AtOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Exchange campaigns (増量・割引): on now, coming, and ended in the last --days days."""
    from storage.queries import campaign_sightings

    found = listed(campaign_sightings, db=db, at=at, days=days, rank=lambda c: -c.bonus_bp)
    if as_json:
        print(found.json(campaign_json))
        return
    print_listed(found, "交換キャンペーン",
                 ("サイト", "交換先", "キャンペーン", "内容", "期間 (JST)", "上限", "先着", "状態", "確認", "出典"),
                 campaign_row, None if found.on else "実施中の交換キャンペーンはありません。")
