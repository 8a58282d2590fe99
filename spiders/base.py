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
from pointexit.clock import JST


def is_login_wall(response) -> bool:
    """A password field where the exchange list should be: members-only page."""
    return bool(response.css('input[type="password"]'))


class PointSiteSpider(scrapy.Spider):
    site: str = ""
    start_paths: tuple[str, ...] = ()
    # Fewer items than this from an ok-looking page means the layout changed.
    expected_min_items: int = 1

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
        yield from self.items_from(response)

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
