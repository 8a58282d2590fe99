"""What every site spider shares; a site's own module declares only what differs.

A site spider sets `name`, `site`, `start_paths` (the real site's paths) and
implements `parse_exits(response)` yielding dicts of raw text fields
(label, rate_text, minimum_text, step_text, fee_text, lag_text, cap_text...).
The base adds provenance (source URL, seen time), notices login walls and
download errors, and counts what it did in the crawl stats.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable
from urllib.parse import urlsplit

import scrapy

from pointexit.catalog import site as site_info
from spiders.items import CampaignItem, ExitItem, RoutingOfferItem
from spiders.parsing import parse_point_value
from pointexit.clock import JST


def is_login_wall(response) -> bool:
    """A password field where the exchange list should be: members-only page."""
    return bool(response.css('input[type="password"]'))


class PointSiteSpider(scrapy.Spider):
    site: str = ""
    start_paths: tuple[str, ...] = ()
    # Fewer items than this from an ok-looking page means the layout changed.
    expected_min_items: int = 1
    # Where the page states what one point is worth (「1pt＝1円」). Set it for
    # sites whose point value the reference doubts (⚠): a statement that
    # disagrees with the catalog is counted and logged, because every yen
    # comparison of the site's exits would be off by that factor.
    point_value_css: str | None = None

    def __init__(self, base_url: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.base_url = (base_url or site_info(self.site).base_url).rstrip("/")
        self.allowed_domains = [urlsplit(self.base_url).hostname]

    def now(self) -> datetime:
        return datetime.now(JST)

    def url(self, path: str) -> str:
        return self.base_url + path

    async def start(self):
        for path in self.start_paths:
            yield scrapy.Request(self.url(path), callback=self.parse, errback=self.on_error)

    def on_error(self, failure):
        self.crawler.stats.inc_value("pointexit/download_errors")
        self.logger.warning("download failed: %s", failure.getErrorMessage())

    def parse(self, response):
        if is_login_wall(response):
            self.crawler.stats.set_value("pointexit/login_required", 1)
            self.logger.warning("login required at %s (no member session)", response.url)
            return
        self.check_point_value(response)
        yield from self.items_from(response)

    def stat(self, key: str, value=1) -> None:
        crawler = getattr(self, "crawler", None)  # absent when a test parses a page directly
        if crawler is not None:
            crawler.stats.set_value(key, value)

    def check_point_value(self, response) -> None:
        if not self.point_value_css:
            return
        stated = text_of(response.css(self.point_value_css))
        declared = parse_point_value(stated)
        expected = site_info(self.site).yen_per_point
        if declared is None:
            self.stat("pointexit/point_value_unstated")
            self.logger.warning("no point value stated at %s (looked for %r)", response.url,
                                self.point_value_css)
        elif declared != expected:
            self.stat("pointexit/point_value_mismatch", f"page {declared} yen, catalog {expected} yen")
            self.logger.error("%s says %r (1pt = %s yen) but the catalog values a point at %s yen",
                              response.url, stated, declared, expected)

    def items_from(self, response) -> Iterable[scrapy.Item]:
        seen_at = self.now()
        for raw in self.parse_exits(response):
            yield ExitItem(site=self.site, source_url=response.url, seen_at=seen_at, **raw)
        for raw in self.parse_campaigns(response):
            yield CampaignItem(site=self.site, source_url=response.url, seen_at=seen_at, **raw)

    def parse_exits(self, response) -> Iterable[dict]:
        """Raw exit fields: label, rate_text, minimum_text, step_text, fee_text,
        lag_text, cap_text (+ destination, variant, cap_scope when known)."""
        return ()

    def parse_campaigns(self, response) -> Iterable[dict]:
        """Raw campaign fields: key, destination, title, bonus_text,
        window_text, cap_text, first_come."""
        return ()

    def campaign(self, response, **raw) -> CampaignItem:
        return CampaignItem(site=self.site, source_url=response.url, seen_at=self.now(), **raw)

    def routing_offer(self, response, **raw) -> RoutingOfferItem:
        return RoutingOfferItem(site=self.site, source_url=response.url, seen_at=self.now(), **raw)


def text_of(selector) -> str:
    """All text below a node, whitespace collapsed (keeps <br> separated)."""
    return " ".join(t.strip() for t in selector.xpath(".//text()").getall() if t.strip())


def label_values(node) -> dict[str, str]:
    """「label → value」 pairs shown one per line: the rows of a vertical table
    (<tr><th>交換レート</th><td>…</td></tr>) or a definition list (<dt>/<dd>).
    Labels keep the site's wording, whitespace collapsed; first one wins."""
    pairs: dict[str, str] = {}
    for row in node.xpath(".//tr[th and td]"):
        pairs.setdefault(text_of(row.xpath("./th[1]")), text_of(row.xpath("./td[1]")))
    for dt in node.xpath(".//dt"):
        pairs.setdefault(text_of(dt), text_of(dt.xpath("following-sibling::dd[1]")))
    return pairs


def fields_by_label(pairs: dict[str, str], labels: dict[str, str]) -> dict[str, str | None]:
    """Raw exit fields from labelled values: `labels` maps the site's label
    (交換レート, 最低交換P…) to the field name (rate_text, minimum_text…)."""
    return {field: pairs.get(label) or None for label, field in labels.items()}


def fields_by_css(node, selectors: dict[str, str]) -> dict[str, str | None]:
    """Raw exit fields from one card or row: `selectors` maps the field name to
    a CSS selector inside it."""
    return {field: text_of(node.css(css)) or None for field, css in selectors.items()}


def table_records(table) -> list[dict[str, str]]:
    """A horizontal table as one {header → cell text} dict per body row."""
    headers = [text_of(th) for th in table.xpath("./thead/tr[1]/th")]
    return [dict(zip(headers, (text_of(td) for td in row.xpath("./td"))))
            for row in table.xpath("./tbody/tr[td]")]


def campaign_key(href: str | None, title: str) -> str:
    """A campaign's identity on its site: the path (and query) of its own page,
    else its title (the pipeline keeps one history per key)."""
    parts = urlsplit(href or "")
    path = parts.path.strip("/") + (f"?{parts.query}" if parts.query else "")
    return path or title
