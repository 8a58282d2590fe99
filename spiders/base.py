"""What every site spider shares; a site's own module declares only what differs.

A site spider sets `name`, `site`, `start_paths` (the real site's paths) and
implements `parse_exits(response)` yielding dicts of raw text fields
(label, rate_text, minimum_text, step_text, fee_text, lag_text, cap_text...).
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
from pointexit.clock import JST
from spiders.parsing import bank_in_label, clean


def is_login_wall(response) -> bool:
    """A password field where the exchange list should be: members-only page."""
    return bool(response.css('input[type="password"]'))


class PointSiteSpider(scrapy.Spider):
    site: str = ""
    start_paths: tuple[str, ...] = ()
    # Fewer items than this from an ok-looking page means the layout changed.
    expected_min_items: int = 1
    # Raw fields every exit on this site's page shows: one missing means a
    # renamed label or column (a missing fee must not read as "free").
    required_texts: tuple[str, ...] = ()

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
            missing = [f for f in self.required_texts if not raw.get(f)]
            if missing:
                self.layout_missing(response, f"{raw.get('label')}: {', '.join(missing)}")
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

    def layout_missing(self, response, what: str) -> None:
        """Call when a part the page always had is gone (degrades the run)."""
        crawler = getattr(self, "crawler", None)  # absent when a test parses a saved page
        if crawler is not None:
            crawler.stats.inc_value("pointexit/layout_missing")
        self.logger.warning("layout changed at %s: %s not found", response.url, what)

    def header_rows(self, response, table, fields: "Fields",
                    pick: dict[str, str] | None = None) -> list[dict]:
        """header_table() as raw texts, flagging the columns the page no longer
        has. `pick` narrows a field to part of its cell (CSS), e.g. the link
        text of a name cell that also holds campaign badges."""
        rows, missing = header_table(table, fields)
        if missing:
            self.layout_missing(response, "column(s) " + ", ".join(missing))
        pick = pick or {}
        return [{f: text_of(cell.css(pick[f]) if f in pick else cell) for f, cell in row.items()}
                for row in rows]

    def campaign(self, response, **raw) -> CampaignItem:
        return CampaignItem(site=self.site, source_url=response.url, seen_at=self.now(), **raw)

    def routing_offer(self, response, **raw) -> RoutingOfferItem:
        return RoutingOfferItem(site=self.site, source_url=response.url, seen_at=self.now(), **raw)


def text_of(selector) -> str:
    """All text below a node, whitespace collapsed (keeps <br> separated)."""
    return " ".join(t.strip() for t in selector.xpath(".//text()").getall() if t.strip())


# --- Shared page shapes. A site module passes its own label words; these
# helpers know only the shape (a column table, a spec table, a picker...).

Fields = dict[str, tuple[str, ...]]  # raw field → words of the site's label for it


def field_for(label: str, fields: Fields) -> str | None:
    """The raw field whose label words occur in the site's label (first wins)."""
    label = clean(label)
    return next((f for f, words in fields.items() if any(w in label for w in words)), None)


def _cells(row):
    return row.xpath("./th|./td")


def header_table(table, fields: Fields) -> tuple[list[dict], list[str]]:
    """A table whose column headers name the fields (ポイントタウン, げん玉).

    Returns one dict of cells (selectors) per body row, and the fields whose
    column is missing (a renamed or dropped column is a layout change, not
    "free"). Headers come from <thead>, else from the first row.
    """
    rows = table.xpath("./thead/tr|./tbody/tr|./tr")
    head = table.xpath("./thead/tr[1]") or rows[:1]
    if not head:
        return [], list(fields)
    column: dict[str, int] = {}
    for i, cell in enumerate(_cells(head[0])):
        f = field_for(text_of(cell), fields)
        if f and f not in column:
            column[f] = i
    out = []
    for row in rows:
        if row.root is head[0].root:
            continue
        cells = _cells(row)
        out.append({f: cells[i] for f, i in column.items() if i < len(cells)})
    return out, [f for f in fields if f not in column]


def labelled_values(pairs, fields: Fields) -> dict[str, str]:
    """(label, value) pairs — spec tables <th>交換レート</th><td>…</td>, card
    spec lists — to raw fields by the site's label words (first pair wins)."""
    out: dict[str, str] = {}
    for label, value in pairs:
        f = field_for(label, fields)
        if f and f not in out:
            out[f] = value
    return out


def spec_table(table, fields: Fields) -> dict[str, str]:
    """A table with one labelled row per fact: <tr><th>手数料</th><td>無料</td></tr>."""
    return labelled_values(((text_of(r.xpath("./th")), text_of(r.xpath("./td")))
                            for r in table.xpath(".//tr")), fields)


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
    exit of its own, exchanged whole, so its points are its rate and minimum.

    `options` are (amount text, points text) as the page shows them, e.g.
    ("500円", "5,000pt"); the variant is the amount.
    """
    for amount, points in options:
        amount, points = clean(amount), clean(points)
        yield {**raw, "variant": amount, "label": f"{clean(raw['label'])} {amount}分",
               "rate_text": f"{points} → {amount}", "minimum_text": points, "step_text": None}


class ColumnTableSpider(PointSiteSpider):
    """Exits as the rows of one table whose column headers name the fields.

    A site declares the table (`table_css`), its header words (`columns`) and
    which part of the name cell is the name (`label_css`, the link by
    default, leaving campaign badges out). A bank named in the label
    (「銀行振込（ゆうちょ銀行）」) becomes the exit's variant.
    """

    table_css: str = "table"
    columns: Fields = {}
    label_css: str | None = "a"

    def parse_exits(self, response):
        table = response.css(self.table_css)
        if not table:
            self.layout_missing(response, self.table_css)
            return
        pick = {"label": self.label_css} if self.label_css else None
        for raw in self.header_rows(response, table[0], self.columns, pick):
            yield {**raw, "variant": bank_in_label(raw.get("label"))}
