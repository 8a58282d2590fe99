"""A crawl of every recorded site through the Scrapy engine, with the
pipelines (normalize → validate → store into SQLite) and without any: what
the project adds to what Scrapy costs anyway. Each is a whole process, as the
scheduler runs it, into a database that already holds the data (the usual
case: append-on-change then writes only the runs)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from benchmarks import Figure
from benchmarks.measure import interleaved, python

RUNS = 5


def run() -> list[Figure]:
    from pointexit.crawling import select_spiders
    from pointexit.recorded import serving

    spiders = select_spiders([])
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp, serving() as server:
        def crawl(settings: dict) -> list[str]:
            args = {"spiders": spiders, "db": str(Path(tmp) / "crawl.db"), "mirror": server.root_url,
                    "settings": {"LOG_LEVEL": "ERROR", **settings}}
            return python("-m", "pointexit.crawling", json.dumps(args))

        bare, full = interleaved(RUNS, crawl({"ITEM_PIPELINES": {}}), crawl({}))
    return [Figure(f"crawl of {len(spiders)} recorded site(s): with pipelines over without (CPU)",
                   full.cpu, "s", bare.cpu, "≤ 2×", full.cpu <= 2 * bare.cpu,
                   f"wall {full.wall:.2f} s over {bare.wall:.2f} s; best of {RUNS}")]
