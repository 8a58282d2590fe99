"""`pointexit status`: is the crawl healthy, and how fresh is what we know?

Per spider: the last run (JST), its verdict, items, errors, and the age of its
newest data. Per site, over the last 7 days (site × day): the success rate (a
day is a success when each of the site's spiders that ran that day had an ok
run that day: its exchange page and its shopping listing), the days without any
run, and the parse rate (share of rewards turned into numbers in the latest
runs). Flags, as a peer crawler's daily health report raises them:

items_halved      the last run found under half the items of the run before
aborted           the last run was aborted (HTTP 429)
no_run            a day in the window without any run
parse_rate_low    parse rate under 99 %
success_rate_low  7-day success under 95 %

The window is the 7 days ending today, but never before the site's first
run (a site crawled since yesterday has a 2-day window); today counts only
once it has a run, so a crawl scheduled later today is not yet "missed".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Optional

import typer

from pointexit.cli.app import (BadOption, DbOption, JsonOption, age_text, app, console, given_time, in_jst,
                               open_db)

WINDOW_DAYS = 7
PARSE_RATE_TARGET_BP = 9_900
SUCCESS_TARGET_BP = 9_500


@dataclass(frozen=True)
class Flag:
    code: str
    message: str


@dataclass
class SpiderStatus:
    spider: str
    site: str
    last_run: dict | None
    previous_items: int | None
    newest_data_at: str | None
    newest_data_age_seconds: int | None
    flags: list[Flag] = field(default_factory=list)


@dataclass
class SiteStatus:
    site: str
    site_name: str
    days: int
    ok_days: int
    success_rate_bp: int | None
    days_without_run: list[str]
    parse_rate_bp: int | None
    flags: list[Flag] = field(default_factory=list)


# Runs read per spider: the newest, and enough before it to find one not
# stopped on purpose to compare its items with.
RECENT_RUNS = 6


def window(first_run: date, today: date, ran_today: bool) -> list[date]:
    start = max(first_run, today - timedelta(days=WINDOW_DAYS - 1))
    end = today if ran_today else today - timedelta(days=1)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def spider_statuses(last: dict, newest: dict, now: datetime) -> list[SpiderStatus]:
    """last: spider → its newest finished runs, newest first."""
    out = []
    for spider, runs in sorted(last.items()):
        # A run stopped on purpose (Ctrl-C, SIGTERM) read less by design, and its
        # reason says so: it is not flagged, nor the run compared with.
        run = runs[0]
        previous = next((r for r in runs[1:] if not _stopped(r)), None)
        flags = []
        if previous is not None and run.items * 2 < previous.items and not _stopped(run):
            flags.append(Flag("items_halved",
                              f"項目数が前回の半分未満です ({previous.items}件 → {run.items}件)"))
        if run.reason and run.reason.startswith("http_429"):
            flags.append(Flag("aborted", "HTTP 429 で巡回を中断しました"))
        seen = newest.get(spider)
        out.append(SpiderStatus(
            spider=spider, site=run.site,
            last_run={
                "run_id": run.run_id, "started_at": run.started_at.isoformat(),
                "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                "verdict": run.verdict, "reason": run.reason, "items": run.items,
                "valid_items": run.valid_items, "invalid_items": run.invalid_items,
                "http_errors": run.http_errors, "new_observations": run.new_observations,
                "parse_rate_bp": run.parse_rate_bp,
            },
            previous_items=previous.items if previous else None,
            newest_data_at=seen.isoformat() if seen else None,
            newest_data_age_seconds=int((now - seen).total_seconds()) if seen else None,
            flags=flags,
        ))
    return out


def _stopped(run) -> bool:
    return bool(run.reason and run.reason.startswith("stopped:"))


def site_statuses(runs_in_window: list, first: dict, last: dict, now: datetime) -> list[SiteStatus]:
    """runs_in_window: every run since the window's first day (RunSummary)."""
    from pointexit.catalog import site_name

    today = now.date()
    # site → day → spider → whether one of its runs that day was ok
    by_day: dict[str, dict[date, dict[str, bool]]] = {}
    for r in runs_in_window:
        if r.started_at <= now and r.verdict != "running":
            spiders = by_day.setdefault(r.site, {}).setdefault(r.started_at.date(), {})
            spiders[r.spider] = spiders.get(r.spider, False) or r.verdict == "ok"
    out = []
    for site in sorted(first):
        days = by_day.get(site, {})
        span = window(first[site].date(), today, today in days)
        ok = [d for d in span if d in days and all(days[d].values())]
        missing = [d for d in span if d not in days]
        rate = len(ok) * 10_000 // len(span) if span else None
        parse = _parse_rate([runs[0] for runs in last.values() if runs[0].site == site])
        flags = []
        if missing:
            flags.append(Flag("no_run", "巡回のなかった日: "
                              + ", ".join(f"{d.month}/{d.day}" for d in missing)))
        if parse is not None and parse < PARSE_RATE_TARGET_BP:
            flags.append(Flag("parse_rate_low", f"解析率 {_pct(parse)} (目標 99%以上)"))
        if rate is not None and rate < SUCCESS_TARGET_BP:
            flags.append(Flag("success_rate_low",
                              f"{len(span)}日中{len(ok)}日だけ成功 ({_pct(rate)}、目標 95%以上)"))
        out.append(SiteStatus(
            site=site, site_name=site_name(site),
            days=len(span), ok_days=len(ok), success_rate_bp=rate,
            days_without_run=[d.isoformat() for d in missing], parse_rate_bp=parse, flags=flags))
    return out


def _parse_rate(runs: list) -> int | None:
    """Items-weighted parse rate of the site's spiders' latest runs."""
    rated = [r for r in runs if r.parse_rate_bp is not None and r.items]
    if not rated:
        return None
    return sum(r.items * r.parse_rate_bp for r in rated) // sum(r.items for r in rated)


def _pct(bp: int) -> str:
    return f"{bp // 100}.{bp % 100:02d}%"


def build_status(engine, now: datetime) -> tuple[list[SpiderStatus], list[SiteStatus]]:
    from storage.queries import first_runs, newest_data, ok_runs_stored_by, recent_runs, runs_since

    from pointexit.clock import JST

    # As of a past `now` (--now): the runs started by then, and, where values
    # were seen again since, when the last ok run before it stored them (a
    # later crawl overwrote the minute they were seen).
    last = recent_runs(engine, per_spider=RECENT_RUNS, until=now)
    newest = newest_data(engine)
    if any(seen > now for seen in newest.values()):
        stored = ok_runs_stored_by(engine, now)
        newest = {spider: seen if seen <= now else stored.get(spider) for spider, seen in newest.items()}
        newest = {spider: seen for spider, seen in newest.items() if seen is not None}
    since = datetime.combine(now.date() - timedelta(days=WINDOW_DAYS - 1), datetime.min.time(),
                             tzinfo=JST)
    spiders = spider_statuses(last, newest, now)
    first = {site: at for site, at in first_runs(engine).items() if at <= now}
    sites = site_statuses(runs_since(engine, since), first, last, now)
    return spiders, sites


def _verdict_cell(verdict: str) -> str:
    from pointexit.cli.crawl import _VERDICT_STYLE
    from pointexit.cli.safe_output import terminal

    style = _VERDICT_STYLE.get(verdict, "red")
    # Another writer of the database may have left any text here (see safe_output).
    return f"[{style}]{terminal(verdict)}[/{style}]"


def print_status(spiders: list[SpiderStatus], sites: list[SiteStatus], now: datetime) -> None:
    from pointexit.cli.safe_output import terminal
    from rich.table import Table

    out = console()
    table = Table(title="スパイダーの状態 (最終実行はJST)", title_justify="left")
    for col, just in (("スパイダー", "left"), ("最終実行", "left"), ("判定", "left"),
                      ("項目", "right"), ("エラー", "right"), ("データの鮮度", "left"),
                      ("注意", "left")):
        # Folded, not cut short with "…" (as `exits` does): on a narrow terminal
        # the reason and the flags are what the table is read for. The time is
        # never folded ("2026-12-06 / 15:20" over two lines): the others give way.
        when = col == "最終実行"
        table.add_column(col, justify=just, overflow="fold", no_wrap=when,
                         min_width=len("2026-12-06 15:20") if when else None)
    for s in spiders:
        run = s.last_run
        started = datetime.fromisoformat(run["started_at"])
        seen = datetime.fromisoformat(s.newest_data_at) if s.newest_data_at else None
        notes = [f.message for f in s.flags] + ([run["reason"]] if run["reason"] else [])
        table.add_row(
            terminal(s.spider), started.strftime("%Y-%m-%d %H:%M"), _verdict_cell(run["verdict"]),
            f"{run['items']:,}", f"{run['http_errors'] + run['invalid_items']:,}",
            age_text(seen, now) if seen else "—", terminal(" / ".join(notes)))
    out.print(table)

    table = Table(title=f"サイトの状態 (直近{WINDOW_DAYS}日)", title_justify="left")
    for col, just in (("サイト", "left"), ("成功した日", "right"), ("解析率", "right"),
                      ("注意", "left")):
        table.add_column(col, justify=just, overflow="fold")
    for s in sites:
        rate = f"{s.ok_days}/{s.days}日 ({_pct(s.success_rate_bp)})" if s.days else "—"
        table.add_row(terminal(s.site_name), rate,
                      _pct(s.parse_rate_bp) if s.parse_rate_bp is not None else "—",
                      terminal(" / ".join(f.message for f in s.flags)) or "[green]問題なし[/green]")
    out.print(table)


@app.command("status")
def status_command(
    db: DbOption = None,
    as_json: JsonOption = False,
    now_text: Annotated[Optional[str], typer.Option(
        "--now", help="Report as of this JST time (YYYY-MM-DDTHH:MM), e.g. to re-check a day.")] = None,
) -> None:
    """Crawl health: each spider's last run and data age; each site's 7-day success and parse rate."""
    from pointexit.clock import now_jst

    now = now_jst()
    if given_time(now_text, "--now") is not None:
        try:
            now = datetime.fromisoformat(now_text.strip())
        except ValueError:
            raise BadOption(f"bad --now {now_text!r}: expected YYYY-MM-DDTHH:MM") from None
        now = in_jst(now, "--now", now_text)
    engine = open_db(db, create=False)
    spiders, sites = build_status(engine, now)
    if as_json:
        from pointexit.cli.safe_output import dumps

        print(dumps({"now": now.isoformat(), "spiders": [asdict(s) for s in spiders],
                     "sites": [asdict(s) for s in sites]}))
        return
    if not spiders:
        console().print("まだ巡回の記録がありません。`pointexit crawl` を実行してください (`pointexit demo` のデータは、それが表示する --db で)。")
        return
    print_status(spiders, sites, now)
