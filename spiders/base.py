"""What every site spider shares; a site's own module declares only what differs.

A site spider sets `name`, `site`, `start_paths` (the real site's paths) and
implements `parse_exits(response)` yielding dicts of raw text fields
(label, rate_text, minimum_text, step_text, max_text, fee_text, lag_text,
cap_text...).
The base adds provenance (source URL, seen time), notices login walls and
download errors, and counts what it did in the crawl stats.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Iterator
from urllib.parse import urlsplit

import scrapy

from pointexit.catalog import site as site_info
from spiders.items import CampaignItem, ExitItem, RoutingOfferItem
from pointexit.clock import now_jst
from pointexit.crawling import validate_base_url
from spiders.parsing import bank_in_label, clean, destination_for, parse_point_value


def is_login_wall(response) -> bool:
    """A password field where the exchange list should be: members-only page."""
    return bool(response.css('input[type="password"]'))


def is_empty_page(response) -> bool:
    """No body, or markup without a single visible character."""
    if not response.body.strip():
        return True
    if not hasattr(response, "xpath"):
        return False  # not text (an image, a PDF): something, at least
    texts = response.xpath("//body//text()[not(ancestor::script or ancestor::style)]").getall()
    return not "".join(texts).strip() and not response.css("body input, body img")


def failure_cause(failure) -> str:
    """Why a request failed, as a short stats key: http_404, timeout, robots, http_429,
    offsite_redirect, other."""
    from scrapy.exceptions import IgnoreRequest
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.internet.error import TimeoutError as TwistedTimeout

    from spiders.middlewares import OffsiteRedirect, TooManyRequests

    exc = failure.value
    if isinstance(exc, TooManyRequests):
        return "http_429"
    if isinstance(exc, OffsiteRedirect):
        return "offsite_redirect"
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    if isinstance(exc, TwistedTimeout) or "Timeout" in type(exc).__name__:
        return "timeout"
    if isinstance(exc, IgnoreRequest) and "robots.txt" in str(exc):
        return "robots"
    return "other"


class PointSiteSpider(scrapy.Spider):
    site: str = ""
    start_paths: tuple[str, ...] = ()
    # Fewer items than this from an ok-looking page means the layout changed.
    expected_min_items: int = 1
    # The user's session cookies (Netscape cookies.txt), `-a cookies_file=...`;
    # see spiders.middlewares.SessionCookiesMiddleware.
    cookies_file: str | None = None
    # Raw fields every exit on this site's page shows: one missing means a
    # renamed label or column (a missing fee must not read as "free").
    required_texts: tuple[str, ...] = ()
    # Where the page states what one point is worth (「1pt＝1円」). Set it for
    # sites whose point value the reference doubts (⚠): a statement that
    # disagrees with the catalog is counted and logged, because every yen
    # comparison of the site's exits would be off by that factor.
    point_value_css: str | None = None

    def __init__(self, base_url: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.base_url = self.checked_base_url(base_url)
        self.allowed_domains = [urlsplit(self.base_url).hostname]

    @classmethod
    def checked_base_url(cls, base_url: str | None) -> str:
        """The base URL to crawl under: `base_url` (`scrapy crawl SPIDER -a
        base_url=...`), checked as `pointexit crawl --base-url` checks it — a
        UserError naming the argument for one no crawl could fetch (a port
        outside 1–65535, a malformed IPv6 host) —, else the real site's.
        spiders.commands.crawl runs it before the engine starts."""
        if base_url:
            return validate_base_url(base_url, "-a base_url")
        return site_info(cls.site).base_url.rstrip("/")

    def now(self) -> datetime:
        return now_jst()

    def url(self, path: str) -> str:
        return self.base_url + path

    async def start(self):
        for path in self.start_paths:
            yield scrapy.Request(self.url(path), callback=self.parse, errback=self.on_error)

    def _stats(self):
        crawler = getattr(self, "crawler", None)  # absent when a test parses a page directly
        return crawler.stats if crawler is not None else None

    def count(self, key: str, value: int = 1) -> None:
        """Add to a crawl stat."""
        if (stats := self._stats()) is not None:
            stats.inc_value(key, value)

    def stat(self, key: str, value=1) -> None:
        """Set a crawl stat."""
        if (stats := self._stats()) is not None:
            stats.set_value(key, value)

    def on_error(self, failure):
        cause = failure_cause(failure)
        self.count("pointexit/download_errors")
        self.count(f"pointexit/errors/{cause}")
        self.logger.warning("download failed (%s): %s %s", cause,
                            getattr(failure.request, "url", ""), failure.getErrorMessage())

    def parse(self, response):
        if is_empty_page(response):
            return  # counted by spiders.middlewares.PageStatsMiddleware
        if is_login_wall(response):
            self.count("pointexit/login_required")
            self.logger.warning("login required at %s (no member session)", response.url)
            return
        self.check_point_value(response)
        yield from self.items_from(response)

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
        exits = 0
        rate_texts: dict[str, list] = {}  # destination → its exits' rate texts on this page
        for raw in self.parse_exits(response):
            exits += 1
            destination = raw.get("destination") or destination_for(raw.get("label"))
            rate_texts.setdefault(destination, []).append(raw.get("rate_text"))
            missing = [f for f in self.required_texts if not raw.get(f)]
            if missing:
                self.layout_missing(response, f"{raw.get('label')}: {', '.join(missing)}")
            yield ExitItem(site=self.site, source_url=response.url, seen_at=seen_at, **raw)
        if not exits and self.expected_min_items > 0:
            # Every page of a site with exits shows some: on a site of several
            # pages, the others' items could still reach the site's minimum.
            self.layout_missing(response, "exits")
        for raw in self.parse_campaigns(response):
            # A cap in the units the exit pays out is read by its rate (the
            # normalize pipeline): a campaign sits on its exit's page.
            rates = tuple(rate_texts.get(raw.get("destination"), ())) if raw.get("destination") else ()
            yield CampaignItem(site=self.site, source_url=response.url, seen_at=seen_at,
                               exit_rate_texts=rates, **raw)

    def parse_exits(self, response) -> Iterable[dict]:
        """Raw exit fields: label, rate_text, minimum_text, step_text, max_text,
        fee_text, lag_text, cap_text (+ destination, variant, cap_scope when known)."""
        return ()

    def parse_campaigns(self, response) -> Iterable[dict]:
        """Raw campaign fields: key, destination, title, bonus_text,
        window_text, cap_text, first_come."""
        return ()

    def layout_missing(self, response, what: str) -> None:
        """Call when a part the page always had is gone (degrades the run)."""
        self.stat("pointexit/layout_missing")
        stats = self._stats()
        if stats is not None and not stats.get_value("pointexit/layout_missing_at"):
            # The run's reason names the (first) page, for a site of several pages.
            stats.set_value("pointexit/layout_missing_at", urlsplit(response.url).path or "/")
        self.logger.warning("layout changed at %s: %s not found", response.url, what)

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


def body_rows(table):
    """A horizontal table's body rows: those with data cells, in <tbody> or
    not (old pages have neither <thead> nor <tbody>)."""
    return table.xpath("./tbody/tr[td]|./tr[td]")


def table_records(table) -> list[dict[str, str]]:
    """A horizontal table as one {header → cell text} dict per body row.
    Headers come from <thead>, else from a first row of <th> cells."""
    head = table.xpath("./thead/tr[1]") or table.xpath("(./tbody/tr|./tr)[1][th and not(td)]")
    headers = [text_of(th) for th in head.xpath("./th")]
    return [dict(zip(headers, (text_of(td) for td in row.xpath("./td"))))
            for row in body_rows(table)]


def campaign_key(href: str | None, title: str, destination: str | None) -> str:
    """A campaign's identity on its site: the path (and query) of its own page,
    else its destination and title. Storage keeps one history per key, and a
    title alone is shared (「交換増量キャンペーン」 on two exits at once): two
    campaigns under one key would alternate in one row, crawl after crawl."""
    parts = urlsplit(href or "")
    if parts.scheme not in ("", "http", "https"):
        parts = urlsplit("")  # javascript:void(0) names no page of its own
    path = parts.path.strip("/") + (f"?{parts.query}" if parts.query else "")
    return path or f"{destination}:{title}"


def per_variant(raw: dict, variants: Iterable[dict]) -> Iterator[dict]:
    """One exit per variant of a destination (the bank, when the fee or the
    minimum differs by bank): each variant dict names itself ("variant") and
    overrides fields of the shared `raw` (fee_text, minimum_text...)."""
    for v in variants:
        name = clean(v["variant"])
        yield {**raw, **{k: x for k, x in v.items() if x}, "variant": name,
               "label": f"{clean(raw['label'])} {name}"}


def amount_options(raw: dict, options: Iterable[tuple[str, str]]) -> Iterator[dict]:
    """An amount picker (ポイントインカム: 500円 / 1,000円 / …): each option is an
    exit of its own, exchanged whole — one application exchanges exactly that
    amount — so its points are its rate, its minimum and its maximum.

    `options` are (amount text, points text) as the page shows them, e.g.
    ("500円", "5,000pt"); the variant is the amount.
    """
    for amount, points in options:
        amount, points = clean(amount), clean(points)
        yield {**raw, "variant": amount, "label": f"{clean(raw['label'])} {amount}分",
               "rate_text": f"{points} → {amount}", "minimum_text": points, "step_text": None,
               "max_text": points}


class ColumnTableSpider(PointSiteSpider):
    """Exits as the rows of one table whose column headers name the fields.

    A site declares the table (`table_css`), its headers (`columns`: header →
    raw field, as in fields_by_label) and which part of a row is the exit's
    name (`label_css`: the link in the first cell, leaving badges out). A bank named
    in the label (「銀行振込（ゆうちょ銀行）」) becomes the exit's variant. A
    renamed column leaves its field empty, which `required_texts` flags.
    """

    table_css: str = "table"
    columns: dict[str, str] = {}
    label_css: str = "td:first-child a"

    def parse_exits(self, response):
        table = response.css(self.table_css)
        if not table:
            self.layout_missing(response, self.table_css)
            return
        for row, record in zip(body_rows(table[0]), table_records(table[0])):
            label = text_of(row.css(self.label_css))
            yield {"label": label, "variant": bank_in_label(label),
                   **fields_by_label(record, self.columns)}
