"""Routing offers: the cost of telling them apart, of reading a listing, of storing them.

- classify(): time per listing title, against a bare 「does it say Amazon」
  regex over the same titles (the least any classifier must do).
- a listing page through its spider (parse + classify + item), against
  selecting the same ads with the page's CSS alone.
- 50 crawls seeing the same offer: observation rows added (append-on-change: 1).
"""

from __future__ import annotations

import re
import tempfile
from datetime import timedelta
from pathlib import Path

from benchmarks import Figure, best_time as _best


def _titles() -> list[tuple[str, str]]:
    from tests import test_routing as cases

    rows = cases.OFFERS + [(t, r, None, None) for t, r in cases.NO_REWARDS + cases.MENTIONS + cases.OTHER_STORES]
    return [(t, r) for t, r, *_ in rows] * 20


def classify_figure() -> Figure:
    from spiders.routing import classify

    titles = _titles()
    mention = re.compile(r"amazon|アマゾン", re.I)
    full = _best(lambda: [classify(t, r) for t, r in titles])
    bare = _best(lambda: [mention.search(t) for t, _ in titles])
    per = full / len(titles) * 1e6
    return Figure("classify(): µs per listing title", per, "µs", bare / len(titles) * 1e6,
                  "≤ 100 µs", per <= 100, f"{len(titles)} titles")


def listing_figure() -> Figure:
    from scrapy.http import HtmlResponse

    from spiders.pipelines import NormalizePipeline
    from tests.shopping_pages import PAGES, STATES, page_bytes, spider_on_crawler

    body = page_bytes("moppy_shopping", STATES)
    url = PAGES["moppy_shopping"][1]
    spider = spider_on_crawler("moppy_shopping", url)
    normalize = NormalizePipeline()

    def through_spider():
        response = HtmlResponse(url=url, body=body)
        return [normalize.process_item(i) for i in spider.parse(response)]

    def css_only():
        response = HtmlResponse(url=url, body=body)
        return [(li.css(".a-list__item__title::text").get(), li.css(".a-list__item__point::text").get())
                for li in response.css("li.m-list__item")]

    full = _best(through_spider, repeat=20)
    base = _best(css_only, repeat=20)
    return Figure("Moppy listing page through the spider: ms", full * 1e3, "ms", base * 1e3,
                  "≤ 5×", full <= 5 * base,
                  "baseline: 2 fields per ad by CSS; the spider reads 5 and the ad text (windows)")


def storage_figure() -> Figure:
    from sqlmodel import Session, func, select

    from storage.engine import open_engine
    from storage.models import RoutingOfferObservation
    from storage.records import RoutingOfferSeen, RunOutcome
    from storage.store import Store
    from tests.conftest import FROZEN_NOW

    ok = RunOutcome("ok", None, 1, 1, 0, 0, 10_000)
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_engine(str(Path(tmp) / "b.db"))
        store = Store(engine)
        for i in range(50):
            at = FROZEN_NOW + timedelta(hours=i)
            run = store.begin_run("rakuten_rebates", "rakuten_rebates", at)
            store.finish_run(run, ok, at, offers=[RoutingOfferSeen(
                site="rakuten_rebates", key="amazon-fashion", store="Amazon", title="Amazon(ファッション)",
                rate_bp=100, source_url="https://www.rebates.jp/stores", seen_at=at, scope="ファッション")])
        with Session(engine) as s:
            rows = s.exec(select(func.count()).select_from(RoutingOfferObservation)).one()
        engine.dispose()
    return Figure("50 crawls of an unchanged offer: observation rows", rows, "rows", None, "= 1", rows == 1)


def run() -> list[Figure]:
    return [classify_figure(), listing_figure(), storage_figure()]
