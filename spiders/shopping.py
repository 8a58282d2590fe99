"""What the shopping-listing spiders share: read a listing, keep only Amazon routing offers.

A site module finds its listing and turns each ad into a `ListedAd` (raw
text as the page shows it); this base classifies every ad with
`spiders.routing.classify`, yields a RoutingOfferItem for each active Amazon
offer and counts the rest in the crawl stats, so a reader of the stats can
see that Amazon was listed without a reward, or that three ads only
mentioned Amazon.

"No offer" is the normal state, so these spiders expect no items
(`expected_min_items = 0`). A changed layout must still show: when the
listing itself is missing the spider sets `pointexit/layout_missing`, which
the run's verdict turns into degraded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from spiders import routing
from spiders.base import PointSiteSpider, is_login_wall


@dataclass(frozen=True)
class ListedAd:
    key: str | None  # stable id on the site (from the ad's URL); None: none found
    title: str
    reward_text: str | None
    conditions: str | None = None
    tags: tuple[str, ...] = ()
    lag_text: str | None = None
    text: str = ""  # all the ad's text: where a time window may be written


def joined_text(selector) -> str:
    """Text below a node with nothing inserted between nodes:
    「購入金額の<span>1</span><span>%</span>」 reads 「購入金額の1%」."""
    return "".join(selector.xpath(".//text()").getall()).strip()


def class_starts(prefix: str) -> str:
    """XPath test for a class token starting with `prefix` (o-list, o-list--portrait)."""
    return f"contains(concat(' ', normalize-space(@class)), ' {prefix}')"


def id_from(url: str | None, pattern: str) -> str | None:
    m = re.search(pattern, url or "")
    return m.group(0) if m else None


class _PageStats(dict):
    """Stats for a spider parsing a page outside a crawl (fixture tests)."""

    def inc_value(self, key, count=1, start=0):
        self[key] = self.get(key, start) + count

    def set_value(self, key, value):
        self[key] = value


class ShoppingListingSpider(PointSiteSpider):
    expected_min_items = 0  # most of the time there is no offer, and that is fine

    @property
    def stats(self):
        crawler = getattr(self, "crawler", None)
        if crawler is not None:
            return crawler.stats
        return self.__dict__.setdefault("_page_stats", _PageStats())

    def listing(self, response) -> list[ListedAd] | None:
        """The ads on the page (repeats are fine), or None when the listing itself is not there."""
        raise NotImplementedError

    def fallback(self, response):
        """A request that fetches the listing another way (None: no other way)."""
        return None

    def parse(self, response):
        ads = self.listing(response)
        if ads is None:
            follow = self.fallback(response)
            if follow is not None:
                yield follow
            elif is_login_wall(response):
                self.stats.set_value("pointexit/login_required", 1)
                self.logger.warning("login required at %s (no member session)", response.url)
            else:
                self.layout_missing(response, "the shopping listing")
            return
        if not ads:
            # A listing page always lists stores: none at all means the ads'
            # markup changed, and "no offer" would close a running one.
            self.layout_missing(response, "any ad in the shopping listing")
            return
        yield from self.offers_from(response, ads)

    def offers_from(self, response, ads: Iterable[ListedAd]):
        stats = self.stats
        seen: set[str] = set()
        for ad in ads:
            if not ad.key:
                # An ad we cannot name cannot be stored; count it, say so.
                stats.inc_value("pointexit/listing/ads_without_id")
                self.logger.warning("ad without an id on %s: %s", response.url, ad.title)
                verdict = routing.classify(ad.title, ad.reward_text, conditions=ad.conditions,
                                           tags=ad.tags)
                if verdict.kind in (routing.OFFER, routing.UNREADABLE):
                    # An Amazon offer we see but cannot store (its link changed):
                    # an ok run without it would mark it ended.
                    stats.set_value("pointexit/layout_missing", 1)
                continue
            if ad.key in seen:  # the same ad shown twice (pickups, rankings)
                continue
            seen.add(ad.key)
            stats.inc_value("pointexit/listing/ads")
            verdict = routing.classify(ad.title, ad.reward_text, conditions=ad.conditions, tags=ad.tags)
            if verdict.kind == routing.UNREADABLE:
                # Maybe an offer, maybe not: yield it so validation flags it
                # (no rate) and the run shows degraded instead of "no offer".
                stats.inc_value("pointexit/listing/unreadable_reward")
                self.logger.warning("Amazon listed with an unreadable reward: %s %r",
                                    ad.title, ad.reward_text)
            if verdict.kind in (routing.OFFER, routing.UNREADABLE):
                yield self.routing_offer(
                    response, key=ad.key, store=routing.STORE, title=ad.title,
                    reward_text=ad.reward_text, scope=verdict.scope,
                    conditions=routing.conditions_wording(ad.conditions),
                    lag_text=routing.lag_wording(ad.lag_text),
                    window_text=routing.window_wording(ad.text),
                )
            elif verdict.kind == routing.NO_REWARD:
                stats.inc_value("pointexit/listing/amazon_no_reward")
            elif verdict.kind == routing.NOT_ROUTING:
                stats.inc_value("pointexit/listing/amazon_mentions")
