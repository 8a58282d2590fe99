"""Item pipelines, one job each: normalize → validate → store.

Validation never drops silently: every problem is written on the item
(`problems`) and counted in the crawl stats (pointexit/invalid/<field>); the
store pipeline then keeps only valid items, and the run's verdict (see
spiders.health) decides whether they may touch stored values at all.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import fields as dataclass_fields
from fractions import Fraction

from pointexit.catalog import DESTINATIONS, SITES
from pointexit.clock import JST
from spiders import parsing, routing
from spiders.health import http_errors, judge_run, parse_rate_bp
from spiders.items import CampaignItem, ExitItem, RoutingOfferItem
from storage.records import CampaignSeen, RoutingOfferSeen


class NormalizePipeline:
    """Raw site wording → exact integers (rates, points, lags, caps, windows)."""

    def process_item(self, item):
        # Whatever the site wrote reaches terminals, pages and feeds: no text
        # field leaves here with control characters in it.
        for key, value in list(item.items()):
            if isinstance(value, str):
                item[key] = parsing.without_controls(value)
        if isinstance(item, ExitItem):
            self._exit(item)
        elif isinstance(item, CampaignItem):
            self._campaign(item)
        elif isinstance(item, RoutingOfferItem):
            self._offer(item)
        return item

    def _exit(self, item: ExitItem) -> None:
        item.setdefault("variant", "")
        item["label"] = parsing.clean(item.get("label"))
        if not item.get("destination"):
            item["destination"] = parsing.destination_for(item["label"])
        rate = parsing.parse_rate(item.get("rate_text"))
        item["points_in"], item["value_out"] = rate if rate else (None, None)
        # A minimum, a step, a largest exchange and the caps are in the site's
        # points: a figure in yen or in what the exit pays out becomes points
        # by its own rate.
        units = self._exit_units(item, rate)
        item["minimum_points"] = parsing.parse_minimum_points(item.get("minimum_text"), item.get("site"),
                                                              **units)
        item["step_points"] = parsing.parse_step_points(item.get("step_text"), item.get("site"), **units)
        item["max_points"] = parsing.parse_max_points(item.get("max_text"), item.get("site"), **units)
        item["fee_points"] = self._fee_points(item)
        lag = parsing.parse_lag(item.get("lag_text"))
        item["lag_min_days"], item["lag_max_days"] = lag if lag else (None, None)
        if item.get("lag_text"):
            item["lag_text"] = parsing.clean(item["lag_text"])
        item.setdefault("cap_scope", "exit")
        caps = _caps_of(item, self._cap_units(item, rate))
        for key in ("daily_cap_points", "monthly_cap_points", "daily_exchanges"):
            item[key] = caps.get(key)
        if item.get("cap_text"):
            item["cap_text"] = parsing.clean(item["cap_text"])

    @staticmethod
    def _exit_units(item, rate) -> dict:
        """What the exit pays out (its destination's unit) and its rate, by
        which a figure in them is read as the site's points."""
        destination = DESTINATIONS.get(item.get("destination") or "")
        return {"out_unit": destination and destination.unit, "rate": rate}

    @classmethod
    def _cap_units(cls, item, rate) -> dict:
        """As _exit_units, for the exit's caps: a cap over all the site's exits
        (「全交換先合計30,000ptまで」) counts no one exit's units, so its pt are
        the site's own and its yen unread."""
        if item.get("cap_scope") == "site":
            return {"out_unit": None, "rate": None}
        return cls._exit_units(item, rate)

    @staticmethod
    def _fee_points(item: ExitItem) -> int | None:
        if not item.get("fee_text"):
            return 0  # sites omit the fee column when there is none
        fee = parsing.parse_fee(item["fee_text"])
        if fee is None:
            return None
        amount, unit = fee
        if unit == "pt":
            return amount
        points = Fraction(amount) / SITES[item["site"]].yen_per_point
        return int(points) if points.denominator == 1 else None

    def _campaign(self, item: CampaignItem) -> None:
        text = parsing.clean(item.get("bonus_text"))
        item["bonus_bp"] = parsing.parse_percent_bp(text)
        item["kind"] = "discount" if "割引" in text else "bonus"
        item["starts_at"], item["ends_at"] = parsing.parse_window(item.get("window_text"))
        # Both readings by the exit's unit and rate: a cap a month in yen
        # (「1ヶ月5,000円分まで」) is one a month, checked against the window.
        units = self._campaign_units(item)
        caps = _caps_of(item, units)
        item["cap_points"] = (parsing.parse_cap_points(item.get("cap_text"), item.get("site"), **units)
                              if item.get("cap_text") else None)
        monthly = caps.get("monthly_cap_points")
        if monthly:
            # cap_points are the points of exchange over the whole campaign: a
            # cap a month is that only for a campaign within one calendar
            # month (beside a smaller cap over the campaign, the smaller). Over
            # months, or with its window unknown, it is unread (problems_of).
            item["cap_points"] = (min(monthly, item["cap_points"] or monthly)
                                  if _within_one_month(item) else None)
        # 「先着1,000名様まで」 in the cap's place is a first-come limit, not a cap
        item["first_come"] = bool(item.get("first_come")) or parsing.is_first_come(item.get("cap_text"))
        item["in_rate"] = bool(item.get("in_rate"))
        item["title"] = parsing.clean(item.get("title"))

    @classmethod
    def _campaign_units(cls, item) -> dict:
        """What a campaign's exit pays out and its one rate (_exit_rate), by
        which a cap in them is read as the site's points."""
        return cls._exit_units(item, cls._exit_rate(item.get("exit_rate_texts")))

    @staticmethod
    def _exit_rate(rate_texts) -> tuple[int, int] | None:
        """The one rate of a campaign's exit (its variants may repeat it, or
        write it other ways: 490pt → 500円, 980pt → 1,000円); None when there
        is none, one does not read, or two differ."""
        rates = [parsing.parse_rate(t) for t in rate_texts or ()]
        if not rates or None in rates or len({Fraction(a, b) for a, b in rates}) != 1:
            return None
        return rates[0]

    def _offer(self, item: RoutingOfferItem) -> None:
        reward = routing.reward_of(item.get("reward_text"))
        item["rate_bp"] = reward.rate_bp if reward.kind == "percent" else None
        item["starts_at"], item["ends_at"] = routing.parse_offer_window(
            item.get("window_text"), item.get("seen_at"))
        for key in ("title", "reward_text", "scope", "conditions", "lag_text", "window_text"):
            if item.get(key) is not None:
                item[key] = parsing.clean(item[key]) or None


_REQUIRED = {
    ExitItem: ("site", "destination", "label", "points_in", "value_out", "fee_points",
               "source_url", "seen_at"),
    CampaignItem: ("site", "key", "destination", "title", "bonus_bp", "source_url", "seen_at"),
    RoutingOfferItem: ("site", "key", "store", "title", "rate_bp", "source_url", "seen_at"),
}


# The number a reward became; the parse rate counts items that have it.
_REWARD = {
    ExitItem: ("points_in", "value_out"),
    CampaignItem: ("bonus_bp",),
    RoutingOfferItem: ("rate_bp",),
}


def reward_parsed(item) -> bool:
    return all(item.get(f) is not None for f in _REWARD[type(item)])


def problems_of(item) -> list[str]:
    """Everything wrong with an item, as short field-named codes."""
    problems = [f"missing:{f}" for f in _REQUIRED[type(item)] if item.get(f) in (None, "")]
    if item.get("site") not in SITES:
        problems.append("unknown:site")
    if isinstance(item, ExitItem):
        if item.get("destination") and item["destination"] not in DESTINATIONS:
            problems.append("unknown:destination")
        for f in ("points_in", "value_out", "minimum_points", "step_points", "max_points"):
            if item.get(f) is not None and item[f] <= 0:
                problems.append(f"not_positive:{f}")
        if (item.get("fee_points") or 0) < 0:
            problems.append("negative:fee_points")
        if item.get("fee_points") is None and parsing.clean(item.get("fee_text")):
            # The page gives a fee no number came from: 「150P～」 (only its
            # least), 「初回無料」 (the later fee not given), a share
            # (「交換ポイントの10%」). Unread wording, not a lost column: the exit
            # is flagged, and the site's other exits are stored
            # (missing:fee_points, kept for a blank fee, degrades the run).
            problems[problems.index("missing:fee_points")] = "unparsed:fee_text"
        for f in ("points_in", "value_out", "minimum_points", "step_points", "max_points",
                  "fee_points", "daily_cap_points", "monthly_cap_points"):
            # Parsed numbers are bounded; one derived from them (a yen fee in
            # points) may not be, and a database column is not unbounded.
            if item.get(f) is not None and item[f] > parsing.MAX_AMOUNT:
                problems.append(f"too_large:{f}")
        mn, st = item.get("minimum_points"), item.get("step_points")
        if mn is not None and st is not None and mn < st:
            problems.append("min_below_step")
        mx = item.get("max_points")
        if mx is not None and mx < (mn or st or item.get("points_in") or 0):
            # No exchange would be allowed at all: a misread, not a real limit.
            problems.append("max_below_minimum")
        lo, hi = item.get("lag_min_days"), item.get("lag_max_days")
        if item.get("lag_text") and lo is None:
            problems.append("unparsed:lag_text")
        # A figure the page shows but no number came from (「1億5千万pt以上」): the
        # exit would look as if it had no minimum, step, limit or cap at all.
        for text, numbers in (("minimum_text", ("minimum_points",)),
                              ("step_text", ("step_points",)), ("max_text", ("max_points",)),
                              ("cap_text", ("daily_cap_points", "monthly_cap_points",
                                            "daily_exchanges"))):
            if _has_figure(item.get(text)) and all(item.get(n) is None for n in numbers):
                problems.append(f"unparsed:{text}")
        if "unparsed:cap_text" not in problems and _cap_unread(
                _caps_of(item, NormalizePipeline._cap_units(item, _rate_of(item)))):
            problems.append("unparsed:cap_text")
        if (parsing.names_monthly_exchanges(item.get("cap_text"))
                or parsing.names_several_months(item.get("cap_text"))) and (
                "unparsed:cap_text" not in problems):
            # 「1日2,000ptまで、月1回まで」: the daily cap reads, the count a month
            # (or a cap over 12 months) has no field to go to. Stored without
            # it, the exit would look open to an exchange every day: a figure
            # read in part is one unread.
            problems.append("unparsed:cap_text")
        if lo is not None and hi is not None and lo > hi:
            problems.append("lag_unordered")
    if isinstance(item, (CampaignItem, RoutingOfferItem)) and item.get("window_text") and not (
        item.get("starts_at") or item.get("ends_at")
    ):
        problems.append("unparsed:window_text")
    starts, ends = item.get("starts_at"), item.get("ends_at")
    if starts is not None and ends is not None and starts > ends:
        problems.append("window_unordered")
    if isinstance(item, CampaignItem):
        if item.get("destination") and item["destination"] not in DESTINATIONS:
            problems.append("unknown:destination")
        if item.get("bonus_bp") is not None and item["bonus_bp"] <= 0:
            problems.append("not_positive:bonus_bp")
        elif item.get("kind") == "discount" and (item.get("bonus_bp") or 0) >= 10_000:
            problems.append("too_large:bonus_bp")  # 100 % off: the points would cost nothing
        caps = _caps_of(item, NormalizePipeline._campaign_units(item))
        if parsing.names_points_figure(item.get("cap_text")) and item.get("cap_points") is None:
            problems.append("unparsed:cap_text")  # a capped campaign must not read as uncapped
        elif (parsing.names_monthly_exchanges(item.get("cap_text"))
              or parsing.names_several_months(item.get("cap_text"))
              or parsing.names_daily_cap(item.get("cap_text"))
              or _cap_unread(caps)
              or (caps.get("monthly_cap_points") and not _within_one_month(item))):
            # 「12ヶ月に2回、1回10,000Pまで」, 「1日1回、お一人様10,000Pまで」: the
            # figure reads, the count over months (or a cap a day, or a cap a
            # month on a campaign over more than one) has no field, or a cap
            # does not read (「1ヶ月5,000マイルまで」 on an Amazon gift); as on
            # an exit, a cap read in part is unread.
            problems.append("unparsed:cap_text")
    if isinstance(item, RoutingOfferItem) and item.get("rate_bp") is not None and item["rate_bp"] <= 0:
        problems.append("not_positive:rate_bp")
    return problems


def _rate_of(item) -> tuple[int, int] | None:
    points_in, value_out = item.get("points_in"), item.get("value_out")
    return (points_in, value_out) if points_in and value_out else None


def _caps_of(item, units: dict) -> dict[str, int | None]:
    return parsing.parse_caps(item.get("cap_text"), item.get("site"), **units)


def _cap_unread(caps: dict[str, int | None]) -> bool:
    """A cap the cap text names does not read (parse_caps has it as None):
    「1日10,000ptまで、1ヶ月5,000円分まで」 on an exit paying マネー, the day's cap
    reads, the month's (yen of no rate here) does not. Exits and campaigns
    alike: a cap read in part is unread."""
    return None in caps.values()


def _within_one_month(item) -> bool:
    """The campaign's window starts and ends in one calendar month (Asia/Tokyo)."""
    starts, ends = item.get("starts_at"), item.get("ends_at")
    if starts is None or ends is None:
        return False
    starts, ends = starts.astimezone(JST), ends.astimezone(JST)
    return (starts.year, starts.month) == (ends.year, ends.month)


def _has_figure(text) -> bool:
    return bool(re.search(r"\d", parsing.clean(text)))


def _terms(seen) -> tuple[str, ...]:
    """What storage keeps of a listing, besides where and when it was seen."""
    return tuple(f.name for f in dataclass_fields(seen) if f.name not in ("source_url", "seen_at"))


# Campaigns and routing offers each keep one history per (site, key), in
# tables of their own: the same key in both is no clash.
_LISTING_TERMS = {CampaignItem: _terms(CampaignSeen), RoutingOfferItem: _terms(RoutingOfferSeen)}


class ValidatePipeline:
    """Flags and counts problems; never drops silently."""

    def __init__(self, stats):
        self.stats = stats
        self.logger = logging.getLogger("pointexit.validate")
        # (item class, site, key) → the terms of the run's first listing under that key
        self.listing_terms: dict[tuple, tuple] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        item["problems"] = problems_of(item) + self._key_taken(item)
        self.stats.inc_value("pointexit/items")
        if isinstance(item, ExitItem):
            self.stats.inc_value("pointexit/exits")
            if not item["problems"]:
                self.stats.inc_value("pointexit/valid_exits")
        if not reward_parsed(item):
            self.stats.inc_value("pointexit/unparsed_rewards")
        if item["problems"]:
            self.stats.inc_value("pointexit/invalid_items")
            if not isinstance(item, ExitItem):
                self.stats.inc_value("pointexit/invalid_listings")
            for p in item["problems"]:
                self.stats.inc_value(f"pointexit/invalid/{p}")
            self.logger.warning("invalid item %s: %s", item.get("label") or item.get("title"),
                                  ", ".join(item["problems"]))
        else:
            self.stats.inc_value("pointexit/valid_items")
        return item

    def _key_taken(self, item) -> list[str]:
        """A campaign (or routing offer) under the key of another one of this
        run, with another destination (store) or other terms: storage keeps one
        history per (site, key), where the two would alternate crawl after
        crawl. The same listing shown twice (on two pages) is no problem."""
        names = _LISTING_TERMS.get(type(item))
        if names is None or not item.get("key"):
            return []
        terms = tuple(item.get(f) for f in names)
        first = self.listing_terms.setdefault((type(item), item.get("site"), item["key"]), terms)
        return [] if terms == first else ["duplicate:key"]


class StorePipeline:
    """Writes the run and, if the run is ok, its valid items, in one transaction."""

    def __init__(self, crawler):
        from scrapy import signals

        self.crawler = crawler
        self.exits, self.campaigns, self.offers = [], [], []
        crawler.signals.connect(self.item_error, signal=signals.item_error)

    def item_error(self, item, response, spider, failure):
        """A pipeline raised on an item: Scrapy logs it and drops the item. Left
        uncounted, the run would be judged without it, and a campaign it was
        would read as ended (spiders.health: pipeline_error)."""
        self.crawler.stats.inc_value("pointexit/pipeline_errors")
        self.crawler.stats.inc_value(f"pointexit/pipeline_errors/{failure.type.__name__}")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        spider = self.crawler.spider
        from pointexit.clock import now_jst
        from pointexit.config import resolve_db
        from sqlalchemy.exc import DBAPIError

        from pointexit.errors import UserError
        from storage.engine import first_line, open_engine
        from storage.store import Store

        self.engine, self.run_id, self.db_error = None, None, None
        try:
            self.engine = open_engine(resolve_db(self.crawler.settings.get("POINTEXIT_DB")))
            self.store = Store(self.engine)
            self.run_id = self.store.begin_run(spider.name, spider.site, now_jst())
        except (UserError, DBAPIError) as exc:  # StorageError, or an empty $POINTEXIT_DB
            # One line in the run's report, not a traceback: nothing can be stored.
            self.db_error = first_line(exc)
            spider.logger.error("database: %s", self.db_error)
            return
        self.crawler.stats.set_value("pointexit/run_id", self.run_id)

    def process_item(self, item):
        if item.get("problems"):
            return item
        from storage import records

        if isinstance(item, ExitItem):
            self.exits.append(_record(records.ExitSeen, item))
        elif isinstance(item, CampaignItem):
            self.campaigns.append(_record(records.CampaignSeen, item))
        elif isinstance(item, RoutingOfferItem):
            self.offers.append(_record(records.RoutingOfferSeen, item))
        return item

    def close_spider(self):
        spider = self.crawler.spider
        from sqlalchemy.exc import DBAPIError

        from pointexit.clock import now_jst
        from storage.engine import first_line
        from storage.records import RunOutcome

        if not self.crawler.crawling:
            # Crawler.stop() (Ctrl-C, SIGTERM, a reader gone) clears this before the
            # engine closes the spider; a crawl that ran out of pages still has it set.
            self.crawler.stats.set_value("pointexit/stopped", 1)
        stats = self.crawler.stats.get_stats()
        verdict = judge_run(stats, spider.expected_min_items)
        outcome = RunOutcome(
            verdict=verdict.verdict, reason=verdict.reason,
            items=int(stats.get("pointexit/items", 0)),
            valid_items=int(stats.get("pointexit/valid_items", 0)),
            invalid_items=int(stats.get("pointexit/invalid_items", 0)),
            http_errors=http_errors(stats), parse_rate_bp=parse_rate_bp(stats),
            stats_json=json.dumps({k: v for k, v in stats.items() if k.startswith("pointexit/")
                                   or k.startswith("downloader/response_status")}, default=str),
        )
        if self.run_id is not None:
            try:
                result = self.store.finish_run(self.run_id, outcome, now_jst(), self.exits,
                                               self.campaigns, self.offers)
            except DBAPIError as exc:
                self.db_error = first_line(exc)
                spider.logger.error("database: %s", self.db_error)
        if self.db_error:
            # The run could not be recorded: nothing it saw was stored.
            self.crawler.stats.set_value("pointexit/verdict", "failed")
            self.crawler.stats.set_value("pointexit/reason", f"database_error: {self.db_error}")
            if self.engine is not None:
                self.engine.dispose()
            return
        self.crawler.stats.set_value("pointexit/verdict", result.verdict)
        self.crawler.stats.set_value("pointexit/reason", verdict.reason)
        self.crawler.stats.set_value("pointexit/new_observations", result.new_observations)
        spider.logger.info("run %s: %s%s, %s new observations", self.run_id, result.verdict,
                           f" ({verdict.reason})" if verdict.reason else "",
                           result.new_observations)
        self.engine.dispose()


def _record(cls, item):
    from dataclasses import fields

    return cls(**{f.name: item[f.name] for f in fields(cls) if item.get(f.name) is not None})
