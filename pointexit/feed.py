"""The Atom feed (RFC 4287) of new and changed campaigns and routing offers.

One entry per stored observation: append-on-change storage already holds one
row per change, so an entry is exactly "this campaign appeared" or "this
campaign changed". Entry ids are derived from what the change is (site, the
campaign's key on its site, when it was first seen), so rebuilding the feed
never makes a reader see an entry twice. Written with xml.etree, never by
string concatenation: scraped titles cannot break the XML.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, fields
from datetime import datetime

from pointexit.catalog import DESTINATIONS, point_unit, site_name
from pointexit.clock import JST
from pointexit.page_view import percent_text, window_text
from storage.records import CurrentCampaign, CurrentRoutingOffer

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_TITLE = "pointexit: ポイント交換キャンペーンとAmazon還元の新着・変更"

# Fields that say where/when a value was seen, not what it is.
_PROVENANCE = {"campaign_id", "offer_id", "source_url", "first_seen", "last_seen", "extra"}
_FIELD_JA = {
    "title": "名称", "kind": "種類", "bonus_bp": "増量率", "starts_at": "開始", "ends_at": "終了",
    "cap_points": "上限", "cap_text": "上限の条件", "first_come": "先着", "destination": "交換先",
    "rate_bp": "還元率", "scope": "対象", "conditions": "条件", "lag_text": "承認期間", "store": "ストア",
    "in_rate": "交換レートへの反映",
}


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    updated: datetime
    link: str
    summary: str
    category: str  # "campaign" | "routing-offer"


def stable_id(*parts: str) -> str:
    """A urn:uuid that depends only on what the entry is about."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "pointexit:" + "\x1f".join(parts)))


def iso_jst(t: datetime) -> str:
    """RFC 3339 in Japan's offset: 2026-11-23T09:00:00+09:00."""
    return t.astimezone(JST).isoformat(timespec="seconds")


def changed_fields(before, after) -> list[str]:
    """Japanese names of the fields that differ between two observations."""
    return [_FIELD_JA.get(f.name, f.name) for f in fields(after)
            if f.name not in _PROVENANCE and getattr(before, f.name) != getattr(after, f.name)]


def _campaign_text(c: CurrentCampaign) -> tuple[str, list[str]]:
    """(the short headline, the summary's parts) of one campaign observation."""
    dest = DESTINATIONS[c.destination].label if c.destination in DESTINATIONS else c.destination
    bonus = f"{percent_text(c.bonus_bp)}%{'割引' if c.kind == 'discount' else '増量'}"
    parts = [f"{site_name(c.site)} / {dest}", bonus, f"期間: {window_text(c.starts_at, c.ends_at)}"]
    if c.first_come:
        parts.append("先着順")
    if c.cap_points or c.cap_text:
        # In the site's own unit: dot money's cap is 「10,000マネー」, not pt.
        parts.append(f"上限: {f'{c.cap_points:,}{point_unit(c.site)}' if c.cap_points else c.cap_text}")
    return bonus, parts


def _offer_text(o: CurrentRoutingOffer) -> tuple[str, list[str]]:
    rate = f"{percent_text(o.rate_bp)}%還元" if o.rate_bp > 0 else "還元なし"
    parts = [f"{site_name(o.site)} / {o.store}" + (f" ({o.scope})" if o.scope else ""), rate,
             f"期間: {window_text(o.starts_at, o.ends_at)}"]
    parts += [t for t in (o.conditions and f"条件: {o.conditions}", o.lag_text) if t]
    return rate, parts


def _entries(changes: list[tuple[str, int, object]], category: str, describe) -> list[FeedEntry]:
    """One entry per observation; a change also names the fields that changed
    (when the observation before it is in `changes`)."""
    by_key = {(r.site, key, n): r for key, n, r in changes}
    out = []
    for key, n, r in changes:
        headline, parts = describe(r)
        before = by_key.get((r.site, key, n - 1))
        if before is not None:
            parts.append("変更点: " + "、".join(changed_fields(before, r)))
        out.append(FeedEntry(
            id=stable_id(category, r.site, key, iso_jst(r.first_seen)),
            title=f"[{'新規' if n == 1 else '変更'}] {site_name(r.site)}: {r.title} ({headline})",
            updated=r.first_seen, link=r.source_url, summary=" / ".join(parts), category=category,
        ))
    return out


def campaign_entries(changes: list[tuple[str, int, CurrentCampaign]]) -> list[FeedEntry]:
    return _entries(changes, "campaign", _campaign_text)


def offer_entries(changes: list[tuple[str, int, CurrentRoutingOffer]]) -> list[FeedEntry]:
    return _entries(changes, "routing-offer", _offer_text)


# Characters XML 1.0 cannot carry at all (ElementTree would write them and
# leave a document no reader parses): scraped text may hold them.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _el(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: xml_safe(v) for k, v in attrs.items()})
    if text is not None:
        el.text = xml_safe(text)
    return el


def atom_feed(entries: list[FeedEntry], *, generated_at: datetime, feed_id: str,
              self_href: str = "feed.xml", page_href: str = "index.html", limit: int = 200) -> bytes:
    """The feed document. `updated` is the newest entry's time (so an
    unchanged feed stays byte-identical), or the generation time when empty."""
    entries = sorted(entries, key=lambda e: (e.updated, e.id), reverse=True)[:limit]
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "ja"})
    _el(feed, "id", feed_id)
    _el(feed, "title", FEED_TITLE)
    _el(feed, "updated", iso_jst(entries[0].updated if entries else generated_at))
    author = _el(feed, "author")
    _el(author, "name", "pointexit")
    _el(feed, "link", rel="self", type="application/atom+xml", href=self_href)
    _el(feed, "link", rel="alternate", type="text/html", href=page_href)
    _el(feed, "generator", "pointexit")
    for e in entries:
        entry = _el(feed, "entry")
        _el(entry, "id", e.id)
        _el(entry, "title", e.title)
        _el(entry, "updated", iso_jst(e.updated))
        _el(entry, "published", iso_jst(e.updated))
        _el(entry, "link", rel="alternate", type="text/html", href=e.link)
        _el(entry, "category", term=e.category)
        _el(entry, "summary", e.summary)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
