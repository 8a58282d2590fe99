"""Parsing a saved shopping listing the way a crawl would, with the crawl's stats.

The listing spiders count what they skipped (Amazon without a reward, ads
that only mention Amazon, a missing listing) in Scrapy stats, so these
helpers bind each spider to a real crawler instead of parsing bare.
"""

from __future__ import annotations

from pathlib import Path

from pointexit.recorded import RECORDED
from tests.conftest import FILES, FROZEN_NOW, response_for

# The other recorded state of each listing (spiders/recorded holds the demo's).
STATES = FILES / "routing_states"

PAGES = {
    "moppy_shopping": ("moppy/category/list.php@parent_category=6&child_category=80",
                       "https://pc.moppy.jp/category/list.php?parent_category=6&child_category=80"),
    "pointincome_shopping": ("pointincome/list.php@category=66", "https://pointi.jp/list.php?category=66"),
    "hapitas_shopping": ("hapitas/category/shopping_store/index.html",
                         "https://hapitas.jp/category/shopping_store/"),
    "rakuten_rebates": ("rakuten_rebates/stores", "https://www.rebates.jp/stores"),
}


def spider_on_crawler(name: str, url: str):
    from scrapy.utils.test import get_crawler

    from pointexit.crawling import spider_classes

    crawler = get_crawler(spider_classes()[name], {"LOG_LEVEL": "ERROR"})
    base = url.split("/", 3)
    spider = crawler._create_spider(base_url="/".join(base[:3]))
    spider.now = lambda: FROZEN_NOW
    return spider


def parse_listing(name: str, root: Path = RECORDED, body: bytes | None = None):
    """(items normalized and validated, requests it asked for, crawl stats)."""
    import scrapy

    from spiders.pipelines import NormalizePipeline, problems_of

    rel, url = PAGES[name]
    spider = spider_on_crawler(name, url)
    response = response_for(root / rel, url)
    if body is not None:
        response = response.replace(body=body)
    items, requests = [], []
    for out in spider.parse(response):
        if isinstance(out, scrapy.Request):
            requests.append(out)
            continue
        out = NormalizePipeline().process_item(out)
        out["problems"] = problems_of(out)
        items.append(dict(out))
    return items, requests, spider.crawler.stats.get_stats()


def page_bytes(name: str, root: Path = RECORDED) -> bytes:
    return (root / PAGES[name][0]).read_bytes()


def state_fixtures(name: str, offer_root: Path, plain_root: Path):
    """Module fixtures `with_offer`, `without_offer` (each parsed once) and `offer`
    (the one item of the state with an offer), for a listing's test module."""
    import pytest

    @pytest.fixture(scope="module", name="with_offer")
    def with_offer():
        return parse_listing(name, offer_root)

    @pytest.fixture(scope="module", name="without_offer")
    def without_offer():
        return parse_listing(name, plain_root)

    @pytest.fixture(scope="module", name="offer")
    def offer(with_offer):
        [item] = with_offer[0]
        return item

    return with_offer, without_offer, offer
