"""Storage growth under identical crawls: append-on-change means the
observation rows stay where the first crawl left them.

1,000 crawls drive the Store directly with the items the Hapitas spider
parses from its recorded page (the engine would only add minutes), then a few
crawls of every recorded site go through the real Scrapy engine.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from benchmarks import Figure
from benchmarks.measure import python, run_child

CRAWLS = 1_000
ENGINE_CRAWLS = 3


def hapitas_exits():
    """What one crawl of the recorded Hapitas page hands the Store."""
    from dataclasses import fields

    from scrapy.http import HtmlResponse, Request

    from pointexit.catalog import SITES
    from pointexit.crawling import spider_classes
    from pointexit.recorded import RECORDED
    from spiders.pipelines import NormalizePipeline, problems_of
    from storage.records import ExitSeen

    url = SITES["hapitas"].base_url + "/exchange/"
    spider = spider_classes()["hapitas"](base_url=SITES["hapitas"].base_url)
    response = HtmlResponse(url=url, body=(RECORDED / "hapitas/exchange/index.html").read_bytes(),
                            request=Request(url))
    out = []
    for item in spider.parse(response):
        item = NormalizePipeline().process_item(item)
        if type(item).__name__ == "ExitItem" and not problems_of(item):
            out.append(ExitSeen(**{f.name: item[f.name] for f in fields(ExitSeen)
                                   if item.get(f.name) is not None}))
    return out


def counts(engine) -> tuple[int, int]:
    from sqlalchemy import text

    with engine.connect() as conn:
        return (conn.execute(text("SELECT count(*) FROM exit_observation")).scalar(),
                conn.execute(text("SELECT count(*) FROM crawl_run")).scalar())


def store_crawls(db: Path) -> list[Figure]:
    from dataclasses import replace

    from storage.engine import open_engine
    from storage.records import RunOutcome
    from storage.store import Store

    exits = hapitas_exits()
    store = Store(open_engine(db))
    outcome = RunOutcome("ok", None, len(exits), len(exits), 0, 0, 10_000)
    seconds = []
    first_rows = first_size = None
    t0 = exits[0].seen_at
    for n in range(CRAWLS):
        at = t0 + timedelta(hours=6 * n)
        started = time.perf_counter()
        run = store.begin_run("hapitas", "hapitas", at)
        store.finish_run(run, outcome, at, [replace(e, seen_at=at) for e in exits])
        seconds.append(time.perf_counter() - started)
        if n == 0:
            first_rows = counts(store.engine)[0]
            store.engine.dispose()  # checkpoint, so file sizes compare
            first_size = db.stat().st_size
    rows, runs = counts(store.engine)
    store.engine.dispose()
    size = db.stat().st_size
    early, late = statistics.median(seconds[1:51]), statistics.median(seconds[-50:])
    return [
        Figure(f"observation rows after {CRAWLS:,} identical crawls (Store)", rows, "rows",
               first_rows, "0 new", rows == first_rows, f"{runs:,} run rows, one per crawl"),
        Figure("database bytes per identical crawl (run row only)", (size - first_size) / (CRAWLS - 1),
               "B", None, None, None, f"{first_size:,} B after the first, {size:,} B after all"),
        Figure("Store write time, last 50 crawls over crawls 2-51", late * 1000, "ms", early * 1000,
               "≤ 1.5×", late <= 1.5 * early, "the cost of a crawl must not grow with history"),
    ]


def engine_crawls(db: Path) -> Figure:
    from pointexit.crawling import select_spiders
    from pointexit.recorded import serving

    spiders = select_spiders([])
    rows = []
    with serving() as server:
        for _ in range(ENGINE_CRAWLS):
            args = {"spiders": spiders, "db": str(db), "mirror": server.root_url,
                    "settings": {"LOG_LEVEL": "ERROR"}}
            run_child(python("-m", "pointexit.crawling", json.dumps(args)))
            from storage.engine import open_engine

            engine = open_engine(db, create=False)
            rows.append(counts(engine)[0])
            engine.dispose()
    return Figure(f"observation rows after {ENGINE_CRAWLS} engine crawls of all {len(spiders)} spiders",
                  rows[-1], "rows", rows[0], "0 new", rows[-1] == rows[0],
                  "crawl by crawl: " + " → ".join(map(str, rows)))


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bench-storage-") as tmp:
        return [*store_crawls(Path(tmp) / "store.db"), engine_crawls(Path(tmp) / "engine.db")]
