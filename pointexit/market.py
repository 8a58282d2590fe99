"""Stored observations → the advisor's plain inputs (the composition seam)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from fractions import Fraction

from advisor.advise import ExpiryRule
from advisor.model import Campaign, Exit, RoutingOffer
from advisor.timing import History, PastCampaign, RateChange
from pointexit.catalog import DESTINATIONS, SITES, point_unit, site_name
from storage.records import CurrentCampaign, CurrentExit, CurrentRoutingOffer, RateHistory, RateStep

# A campaign with no end date counts as running only while crawls keep seeing it.
OPEN_CAMPAIGN_FRESH = timedelta(days=2)


def site_point_yen(e: CurrentExit) -> Fraction:
    """What one of the site's own points is worth in yen: the catalog's (with the
    user's [point_values]) for a site it knows, else as the database stored it."""
    site = SITES.get(e.site)
    return site.yen_per_point if site else Fraction(e.site_yen_num, e.site_yen_den)


def yen_per_site_point(e: CurrentExit) -> Fraction | None:
    """Yen value received per site point (None for non-money destinations)."""
    unit = DESTINATIONS.get(e.destination)
    if unit is None or unit.yen_per_unit is None:
        return None
    return Fraction(e.value_out, e.points_in) * unit.yen_per_unit


def return_rate(e: CurrentExit) -> Fraction | None:
    """Yen received per yen of site points, at the minimum exchange, fee included.

    This is what makes sites with 1 pt = ¥1 and 10 pt = ¥1 comparable.
    """
    per_point = yen_per_site_point(e)
    if per_point is None:
        return None
    points = e.minimum_points or e.step_points or e.points_in
    received = per_point * points
    cost = Fraction(points + e.fee_points) * site_point_yen(e)
    return received / cost


def lag_counts_saturday(lag_text: str | None) -> bool:
    """Whether a lag's wording counts Saturday as a business day: it names the
    days it leaves out and Sunday is one of them but Saturday is not
    (PointIncome's 「翌営業日(日曜・祝日を除く)」). Wording that names none
    (「3営業日以内」) means Monday to Friday, as on most sites."""
    return bool(lag_text and "除" in lag_text and re.search("日曜|日祝", lag_text) and "土" not in lag_text)


def to_advisor_exit(e: CurrentExit) -> Exit:
    dest = DESTINATIONS.get(e.destination)
    return Exit(
        site=e.site, destination=e.destination, label=e.label, points_in=e.points_in,
        value_out=e.value_out, minimum_points=e.minimum_points, step_points=e.step_points,
        fee_points=e.fee_points, lag_max_days=e.lag_max_days, source_url=e.source_url,
        seen_at=e.last_seen, yen_per_point=site_point_yen(e),
        lag_text=e.lag_text, monthly_cap_points=e.monthly_cap_points, stale=e.stale,
        lag_min_days=e.lag_min_days, daily_cap_points=e.daily_cap_points,
        daily_exchanges=e.daily_exchanges, cap_scope=e.cap_scope or "exit",
        leads_to=dest.via_site if dest else None, max_points=e.max_points,
        lag_counts_saturday=lag_counts_saturday(e.lag_text),
    )


def _last_day(end: datetime | None) -> date | None:
    """The last calendar day a window covers (an end at 00:00 closes the day before)."""
    if end is None:
        return None
    return (end - timedelta(seconds=1)).date() if end.time() == datetime.min.time() else end.date()


def to_campaign(c: CurrentCampaign) -> Campaign:
    return Campaign(
        site=c.site, destination=c.destination, title=c.title, kind=c.kind, bonus_bp=c.bonus_bp,
        starts_on=c.starts_at.date() if c.starts_at else None, ends_on=_last_day(c.ends_at),
        source_url=c.source_url, seen_at=c.last_seen, cap_points=c.cap_points,
        first_come=c.first_come, ident=str(c.campaign_id), cap_unit=point_unit(c.site),
        site_name=site_name(c.site))


def running_campaigns(rows: list[CurrentCampaign], now: datetime, today: date | None = None,
                      gone: set[int] | frozenset[int] = frozenset()) -> list[Campaign]:
    """Campaigns that still run on `today` (the day planned for, `now`'s date
    unless given) or are announced for later, and that the exits' listed
    rates do not already include (those would count twice). A campaign with
    no end date counts while the last crawl still saw it (`now`). One in
    `gone` (ids the spider's newest ok run no longer listed: a first-come
    campaign that ran out, one withdrawn) ran only until it was last seen,
    as `pointexit campaigns` shows it (掲載終了)."""
    today = today or now.date()
    out = []
    for c in rows:
        if c.in_rate:
            continue
        camp = to_campaign(c)
        if c.campaign_id in gone:
            camp = _until_last_seen(camp, c.last_seen, today)
            if camp is None:
                continue
        if camp.ends_on is None:
            if now - c.last_seen <= OPEN_CAMPAIGN_FRESH:
                out.append(camp)
        elif camp.ends_on >= today:
            out.append(camp)
    return out


def to_offer(o: CurrentRoutingOffer) -> RoutingOffer:
    site = SITES.get(o.site)
    return RoutingOffer(
        site=o.site, store=o.store, title=o.title, rate_bp=o.rate_bp, scope=o.scope,
        conditions=o.conditions, starts_on=o.starts_at.date() if o.starts_at else None,
        ends_on=_last_day(o.ends_at), source_url=o.source_url, seen_at=o.last_seen,
        lag_text=o.lag_text, yen_per_point=site.yen_per_point if site else Fraction(1))


def listed_offers(sightings, now: datetime, today: date | None = None) -> list[RoutingOffer]:
    """Routing offers as the advisor sees them, from (record, sighting) pairs.
    One the spider's newest ok run no longer listed ran only until it was last
    seen (`pointexit offers` shows it 掲載終了), as a gone campaign does."""
    today = today or now.date()
    out = []
    for o, sighting in sightings:
        offer = to_offer(o)
        if not sighting.confirmed and o.last_seen < now:
            offer = _until_last_seen(offer, o.last_seen, today)
        if offer is not None:
            out.append(offer)
    return out


def _until_last_seen(item, last_seen: datetime, today: date):
    """A campaign or offer its site no longer lists: it ran until the day it was
    last seen (None when that is not after `today`)."""
    last = last_seen.date()
    if today >= last:
        return None
    return replace(item, ends_on=min(item.ends_on, last) if item.ends_on else last)


def change_bp(step: RateStep) -> int:
    """How far a rate change moved the rate, in basis points, truncated toward
    zero: int((new / old − 1) · 10,000) in exact integers."""
    num = (step.value_out * step.old_points_in - step.old_value_out * step.points_in) * 10_000
    den = step.points_in * step.old_value_out
    bp = abs(num) // abs(den)
    return bp if (num < 0) == (den < 0) else -bp


def histories(exits: list[CurrentExit], rates: dict[int, RateHistory],
              campaigns: list[CurrentCampaign], since: date | None = None) -> dict[tuple[str, str], History]:
    """Per exit (site × destination): its campaigns and base-rate changes since
    first seen, or since `since` when that is later (the forecast window).

    Years of history reach here: campaigns are grouped once (not searched per
    exit), and storage hands over only the observations that changed a rate.
    """
    past_of: dict[tuple[str, str], list[PastCampaign]] = {}
    for c in campaigns:
        # A bonus already in the listed rate shows in the rate changes instead.
        if not c.in_rate:
            past_of.setdefault((c.site, c.destination), []).append(PastCampaign(
                (c.starts_at or c.first_seen).date(), _last_day(c.ends_at) or c.last_seen.date(),
                c.bonus_bp, c.cap_points))
    out: dict[tuple[str, str], History] = {}
    first_of: dict[tuple[str, str], date] = {}  # of the exit whose rate changes are read
    for e in exits:
        rate = rates.get(e.exit_id)
        first = min(rate.first_seen, e.first_seen).date() if rate else e.first_seen.date()
        key = (e.site, e.destination)
        if key in first_of and first_of[key] <= first:
            continue  # variants of one exit: the longest-seen one speaks for it
        first_of[key] = first
        changes = tuple(RateChange(s.first_seen.date(), change_bp(s)) for s in rate.steps) if rate else ()
        past = tuple(sorted(past_of.get(key, ()), key=lambda p: p.starts_on))
        observed = min([first] + [p.starts_on for p in past])
        out[key] = History(observed if since is None else max(observed, since), past, changes)
    return out


def expiry_rules() -> dict[str, ExpiryRule]:
    return {s.slug: ExpiryRule(s.expiry.months, s.expiry.since, s.expiry.wording, s.expiry.days)
            for s in SITES.values() if s.expiry}


def site_names() -> dict[str, str]:
    return {s.slug: s.name for s in SITES.values()}
