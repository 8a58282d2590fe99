"""The page benchmark's generated history must stay a database the page can
be built from: it bulk-inserts rows of the storage models, so a schema change
(e.g. v5's destination on each campaign observation) breaks it silently
unless something runs it."""

from __future__ import annotations

from benchmarks import bench_page
from pointexit.catalog import SITES
from pointexit.clock import JST
from pointexit.page import build_site
from storage.engine import open_engine


def test_a_short_generated_history_builds_into_a_page_and_a_feed(tmp_path):
    db = str(tmp_path / "history.db")
    held = bench_page.generate(db, days=61)
    # two campaigns a site (days 3 and 33), no routing offer (one every 180 days)
    assert held["campaigns"] == 2 * len(SITES) and held["offers"] == 0
    engine = open_engine(db, create=False)
    try:
        build_site(engine, tmp_path / "out", bench_page.NOW.replace(tzinfo=JST))
    finally:
        engine.dispose()
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    feed = (tmp_path / "out" / "feed.xml").read_text(encoding="utf-8")
    hapitas = SITES["hapitas"].name
    assert hapitas in page
    # both campaigns reach the feed of new campaigns (neither runs today)
    assert all(f"{hapitas} Amazonギフト増量 第{n}回" in feed for n in (1, 2))
