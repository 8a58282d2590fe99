"""Crawl health: what `pointexit status` costs as the run history grows.

- build_status() over a year of daily runs of 15 spiders (5,475 runs), against
  the same over one week of them: how the status grows with history.
- judge_run(): µs per verdict, against reading the same stats keys bare.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from benchmarks import Figure, best_time as _best

SPIDERS = 15


def _history(path: str, days: int):
    """Daily runs of every spider; one run in nine degraded; values seen by ok runs."""
    from sqlmodel import Session

    from pointexit.catalog import SITES
    from storage.engine import open_engine
    from storage.models import CrawlRun
    from storage.records import ExitSeen, RunOutcome
    from storage.store import Store
    from tests.conftest import FROZEN_NOW

    engine = open_engine(path)
    sites = list(SITES)[:12]
    spiders = [(f"{sites[i % 12]}{'_shopping' if i >= 12 else ''}", sites[i % 12])
               for i in range(SPIDERS)]
    start = FROZEN_NOW - timedelta(days=days)
    # Bulk rows for the history (Store's per-run transaction is not what is measured) ...
    with Session(engine) as s:
        n = 0
        for day in range(days - 1):
            for spider, site in spiders:
                n += 1
                at = start + timedelta(days=day, minutes=n % 60)
                s.add(CrawlRun(spider=spider, site=site, started_at=at,
                               finished_at=at + timedelta(minutes=1),
                               verdict="degraded" if n % 9 == 0 else "ok", items=8,
                               valid_items=8, parse_rate_bp=10_000))
        s.commit()
    # ... and the last day through the Store, with values, as a crawl writes them.
    store = Store(engine)
    at = FROZEN_NOW - timedelta(hours=1)
    for spider, site in spiders:
        run = store.begin_run(spider, site, at)
        seen = ExitSeen(site=site, destination="amazon_gift", label="Amazonギフトカード",
                        points_in=500, value_out=500, source_url=f"https://{site}.example/",
                        seen_at=at)
        store.finish_run(run, RunOutcome("ok", None, 8, 8, 0, 0, 10_000), at, [seen])
    return engine


def status_figure() -> Figure:
    from pointexit.cli.status import build_status
    from tests.conftest import FROZEN_NOW

    with tempfile.TemporaryDirectory() as tmp:
        year = _history(str(Path(tmp) / "year.db"), 365)
        week = _history(str(Path(tmp) / "week.db"), 7)
        assert len(build_status(year, FROZEN_NOW)[0]) == SPIDERS
        t_year = _best(lambda: build_status(year, FROZEN_NOW))
        t_week = _best(lambda: build_status(week, FROZEN_NOW))
        year.dispose()
        week.dispose()
    # The queries read every run (no index on started_at): linear, but a year
    # of daily crawls is a few thousand rows. What a user waits for is the target.
    return Figure("build_status(): a year of runs (15 spiders), ms", t_year * 1e3, "ms",
                  t_week * 1e3, "≤ 100 ms", t_year <= 0.1,
                  "baseline: one week of the same runs")


def verdict_figure() -> Figure:
    from spiders.health import judge_run

    stats = {"pointexit/pages": 4, "pointexit/items": 40, "pointexit/valid_items": 39,
             "pointexit/invalid_items": 1, "pointexit/exits": 38, "pointexit/valid_exits": 37,
             "pointexit/invalid/unparsed:lag_text": 1,
             "downloader/response_status_count/200": 5, "retry/count": 1}
    stats.update({f"other/stat/{i}": i for i in range(60)})  # a real crawl's stats are many
    rounds = 2_000
    full = _best(lambda: [judge_run(stats, 5) for _ in range(rounds)])
    bare = _best(lambda: [[stats.get(k) for k in stats] for _ in range(rounds)])
    per = full / rounds * 1e6
    return Figure("judge_run(): µs per verdict", per, "µs", bare / rounds * 1e6, "≤ 1000 µs",
                  per <= 1000, "baseline: one pass over the stats")


def run() -> list[Figure]:
    return [status_figure(), verdict_figure()]
