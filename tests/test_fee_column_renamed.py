"""A renamed fee column or label must degrade the run, not read as 「無料」.

Without the fee field an exit normalizes to fee 0 (sites that charge nothing
omit the column), so a site that renames 「手数料」 would otherwise store its
paid exits (PeX's bank transfer: 500 pt) as free, in an ok run.
"""

from __future__ import annotations

import pytest

from pointexit.catalog import SITES
from pointexit.crawling import spider_classes
from tests.shopping_pages import spider_on_crawler
from tests.test_spider_invariants import _recorded_file

# spider, recorded path, (what the page says, what a redesign might say instead)
RENAMES = [
    ("pex", "/point_exchange/", ("<th>手数料</th>", "<th>振込手数料</th>")),
    ("chobirich", "/exchange/bank/furikomi/info/", ("<th>交換手数料</th>", "<th>手数料</th>")),
    ("warau", "/point/exchange/", ('class="exchange-card__fee"', 'class="exchange-card__charge"')),
    ("dotmoney", "/exchange/", ('data-spec="fee"', 'data-spec="charge"')),
    ("lifemedia", "/exchange/", ("<dt>交換手数料</dt>", "<dt>手数料</dt>")),
    ("hapitas", "/exchange/", ('class="col-fee"', 'class="col-charge"')),
]


def _parse(spider_name: str, path: str, body: bytes):
    """(items, crawl stats) of one page parsed by a spider bound to a real crawler."""
    from scrapy.http import HtmlResponse, Request

    spider = spider_on_crawler(spider_name, SITES[spider_classes()[spider_name].site].base_url)
    url = spider.url(path)
    items = list(spider.parse(HtmlResponse(url=url, body=body, request=Request(url))))
    return items, spider.crawler.stats.get_stats()


def _page(spider_name: str, path: str) -> bytes:
    return _recorded_file(spider_classes()[spider_name].site, path).read_bytes()


@pytest.mark.parametrize("spider_name,path,rename", RENAMES, ids=[r[0] for r in RENAMES])
def test_recorded_page_has_every_required_field(spider_name, path, rename):
    items, stats = _parse(spider_name, path, _page(spider_name, path))
    assert items and "pointexit/layout_missing" not in stats


@pytest.mark.parametrize("spider_name,path,rename", RENAMES, ids=[r[0] for r in RENAMES])
def test_renamed_fee_column_is_a_layout_change(spider_name, path, rename):
    old, new = (s.encode() for s in rename)
    body = _page(spider_name, path)
    assert old in body
    items, stats = _parse(spider_name, path, body.replace(old, new))
    assert items and stats.get("pointexit/layout_missing")
