"""What the comparison page shows, computed from storage records.

Pure functions over plain records (no database, no clock: `now` is passed
in), so every rule of the page — which route beats which exit, which value is
best in its column, what counts as active or stale — is tested without a
browser. Numbers stay exact (Fraction) until they become text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction

from advisor.plan import rate_text
from pointexit.catalog import DESTINATION_ORDER, DESTINATIONS, SITES, point_unit, site_name
from pointexit.clock import JST
from pointexit.market import return_rate, site_point_yen, yen_per_site_point
from pointexit.step_chart import Chart, step_chart
from storage.records import CurrentCampaign, CurrentExit, ObservationPoint, RunSummary

# Values older than this are shown stale even when no run contradicted them.
DEFAULT_STALE_AFTER = timedelta(hours=48)

# The five destinations people compare first (the order), then the rest.
MAIN_DESTINATIONS = ("amazon_gift", "bank", "rakuten_point", "paypay", "d_point")

VERDICT_JA = {"ok": "正常", "degraded": "一部異常", "failed": "失敗",
              "login_required": "要ログイン", "running": "実行中"}

_UNIT_OUT = {"amazon_gift": "円分", "bank": "円", "rakuten_point": "ポイント", "paypay": "ポイント",
             "d_point": "ポイント", "waon": "ポイント", "dotmoney": "マネー", "pex": "PeXポイント",
             "jal_mile": "マイル"}

# Sort keys for "no value": missing values sort last whichever the direction.
NO_CAP = 10**15  # a column "caps" where no cap at all is the best value


def window_text(starts_at: datetime | None, ends_at: datetime | None) -> str:
    from pointexit.cli.campaigns import window_text as text

    if not starts_at and not ends_at:
        return "記載なし"
    return text(starts_at, ends_at) + " (日本時間)"


def percent_text(bp: int) -> str:
    from pointexit.cli.campaigns import percent_text as text

    return text(bp)


def jst_text(t: datetime | None) -> str:
    return t.astimezone(JST).strftime("%Y-%m-%d %H:%M") if t else ""


def age_text(then: datetime, now: datetime) -> str:
    """「3時間前」: how old a value was when the page was generated."""
    from pointexit.cli.app import age_text as words

    return words(then, now)


def decimal(value: Fraction | None, places: int = 2) -> str:
    return "" if value is None else rate_text(value, places)


# --------------------------------------------------------------------------- exits


@dataclass(frozen=True)
class Hop:
    site_name: str
    label: str
    source_url: str


@dataclass
class ExitLine:
    """One row of a destination table: a stored exit, or a route through an
    intermediary that beats the site's direct exit."""

    kind: str  # "exit" | "route"
    site: str
    site_name: str
    label: str
    hops: list[Hop]
    rate_text: str
    per100: Fraction | None  # yen received per 100 site points (no fee)
    return_rate: Fraction | None  # yen received per yen of points, at the minimum, fee included
    minimum_points: int | None
    minimum_yen: Fraction | None
    step_points: int | None
    step_yen: Fraction | None
    fee_text: str
    fee_yen: Fraction
    lag_text: str
    lag_max: int | None
    cap_text: str
    cap_yen: Fraction | None  # monthly-equivalent cap in yen; None: no cap
    source_url: str
    seen_at: datetime
    age: str
    stale: bool
    stale_reason: str
    exit_id: int | None = None
    unit: str = "pt"  # of the site's points: minimum, step, fee and caps are in it
    chart: Chart | None = None
    # What the chart's values count when the destination is not money (miles
    # per 100 points, not yen); "" when they are yen.
    chart_unit: str = ""
    best: set[str] = field(default_factory=set)

    def sort_key(self, column: str) -> str:
        """The value the page's script sorts by (text of a number)."""
        value = COLUMNS[column][0](self)
        if value is None:
            return ""
        return decimal(Fraction(value), 6) if isinstance(value, Fraction) else str(value)


@dataclass
class DestinationTable:
    slug: str
    label: str
    lines: list[ExitLine]

    @property
    def exit_count(self) -> int:
        return sum(line.kind == "exit" for line in self.lines)


# The sortable columns: the value each sorts and compares by, and which way is
# better (None: no "best"). A missing value never wins; a missing cap means
# "no cap", the best there is.
COLUMNS = {
    "per100": (lambda line: line.per100, max),
    "rate": (lambda line: line.return_rate, max),
    "min": (lambda line: line.minimum_yen, min),
    "step": (lambda line: line.step_yen, min),
    "fee": (lambda line: line.fee_yen, min),
    "lag": (lambda line: line.lag_max, min),
    "cap": (lambda line: NO_CAP if line.cap_yen is None else line.cap_yen, max),
    "age": (lambda line: int(line.seen_at.timestamp()), None),
}


def _points_yen(points: int | None, e: CurrentExit) -> Fraction | None:
    return None if points is None else points * site_point_yen(e)


def lag_label(lo: int | None, hi: int | None, text: str | None) -> str:
    """Crediting lag in business days; the site's own wording when unparsed."""
    if hi is None:
        return text or "不明"
    if hi == 0:
        return "即時"
    return f"{hi}営業日" if lo is None or lo == hi else f"{lo}〜{hi}営業日"


def cap_label(e: CurrentExit) -> str:
    parts = []
    unit = point_unit(e.site)
    if e.daily_cap_points:
        parts.append(f"1日{e.daily_cap_points:,}{unit}まで")
    if e.monthly_cap_points:
        parts.append(f"月{e.monthly_cap_points:,}{unit}まで")
    if e.daily_exchanges:
        parts.append(f"1日{e.daily_exchanges}回")
    if parts and e.cap_scope == "site":
        parts.append("(全交換先合計)")
    if e.max_points:
        # An amount picker's option is exchanged whole, one per application.
        fixed = e.max_points == e.minimum_points
        parts.insert(0, "1回ごとに指定額" if fixed else f"1回{e.max_points:,}{unit}まで")
    return " ".join(parts) if parts else (e.cap_text or "なし")


def cap_yen(e: CurrentExit) -> Fraction | None:
    """The tightest cap as yen per month (a daily cap counts 30 days). An
    amount exchanged whole a limited number of times a day (ポイントインカム's
    「1回ごとに指定額 1日1回」) is a daily cap too; without a daily limit it caps
    nothing."""
    whole_per_day = e.max_points * e.daily_exchanges if e.max_points and e.daily_exchanges else None
    daily = [c for c in (e.daily_cap_points, whole_per_day) if c]
    caps = [c for c in (e.monthly_cap_points, *(d * 30 for d in daily)) if c]
    return min(caps) * site_point_yen(e) if caps else None


def fee_label(points: int, e: CurrentExit) -> str:
    if not points:
        return "無料"
    yen = points * site_point_yen(e)
    return f"{points:,}{point_unit(e.site)} (¥{decimal(yen, 0 if yen.denominator == 1 else 1)})"


def staleness(e: CurrentExit, now: datetime, stale_after: timedelta) -> str:
    """Why a value is not trustworthy now ("" when it is). The reason is the
    run of the spider that records the exit: the site's newest run may be its
    shopping spider's, which says nothing about the exchange page."""
    if e.stale:
        if e.last_verdict not in (None, "ok"):
            return f"最新のクロールが{VERDICT_JA.get(e.last_verdict, e.last_verdict)}"
        return "最新のクロールで見つかりませんでした"
    if now - e.last_seen > stale_after:
        return f"最終確認が{age_text(e.last_seen, now)}"
    return ""


def exit_line(e: CurrentExit, now: datetime, stale_reason: str) -> ExitLine:
    per_point = yen_per_site_point(e)
    unit = _UNIT_OUT.get(e.destination, "")
    return ExitLine(
        kind="exit", site=e.site, site_name=e.site_name, label=e.label,
        hops=[Hop(e.site_name, e.label, e.source_url)],
        rate_text=f"{e.points_in:,}{point_unit(e.site)} → {e.value_out:,}{unit}",
        per100=None if per_point is None else per_point * 100, return_rate=return_rate(e),
        minimum_points=e.minimum_points, minimum_yen=_points_yen(e.minimum_points, e),
        step_points=e.step_points, step_yen=_points_yen(e.step_points, e),
        fee_text=fee_label(e.fee_points, e), fee_yen=e.fee_points * site_point_yen(e),
        lag_text=lag_label(e.lag_min_days, e.lag_max_days, e.lag_text), lag_max=e.lag_max_days,
        cap_text=cap_label(e), cap_yen=cap_yen(e), source_url=e.source_url, seen_at=e.last_seen,
        age=age_text(e.last_seen, now), stale=bool(stale_reason), stale_reason=stale_reason,
        exit_id=e.exit_id, unit=point_unit(e.site), chart_unit=unit if per_point is None else "",
    )


def compound_rate(first: CurrentExit, second: CurrentExit) -> Fraction | None:
    """Yen received per yen of site points through two exits (each at its
    minimum, fees included): the product of the hops' exact rates."""
    a, b = return_rate(first), return_rate(second)
    return None if a is None or b is None else a * b


def route_minimum(e1: CurrentExit, e2: CurrentExit) -> int | None:
    """The least first-hop exchange (its minimum, then whole steps) whose
    units reach the second hop's minimum: ECナビ's 500 pt give 500
    PeXポイント, short of the 990 PeX → Amazon needs, so the route starts at
    1,000 pt."""
    start = e1.minimum_points or e1.step_points or e1.points_in
    need = e2.minimum_points or e2.step_points or e2.points_in
    if not start or not need or e1.value_out <= 0:
        return e1.minimum_points
    step = e1.step_points or e1.points_in
    # units received for p points: floor(p * value_out / points_in)
    short = need * e1.points_in - start * e1.value_out
    if short <= 0:
        return e1.minimum_points
    per_step = step * e1.value_out
    return start + -(-short // per_step) * step


def route_line(first: ExitLine, second: ExitLine, e1: CurrentExit, e2: CurrentExit,
               now: datetime) -> ExitLine:
    """site → intermediary → destination, as one row."""
    mid = SITES[e1.destination]
    per_point = yen_per_site_point(e1) * yen_per_site_point(e2) / mid.yen_per_point
    lag_lo = None if None in (e1.lag_min_days, e2.lag_min_days) else e1.lag_min_days + e2.lag_min_days
    lag_hi = None if None in (e1.lag_max_days, e2.lag_max_days) else e1.lag_max_days + e2.lag_max_days
    seen = min(e1.last_seen, e2.last_seen)
    reasons = [r for r in (first.stale_reason, second.stale_reason) if r]
    caps = [c for c in (first.cap_text, second.cap_text) if c != "なし"]
    minimum = route_minimum(e1, e2)
    return ExitLine(
        kind="route", site=e1.site, site_name=e1.site_name,
        label=f"{mid.name}経由 {e2.label}",
        hops=[Hop(e1.site_name, e1.label, e1.source_url), Hop(mid.name, e2.label, e2.source_url)],
        rate_text=f"{first.rate_text}、{second.rate_text}",
        per100=per_point * 100, return_rate=compound_rate(e1, e2),
        minimum_points=minimum, minimum_yen=_points_yen(minimum, e1),
        step_points=first.step_points, step_yen=first.step_yen,
        fee_text=" + ".join(t for t in (first.fee_text, second.fee_text) if t != "無料") or "無料",
        fee_yen=first.fee_yen + second.fee_yen,
        lag_text=lag_label(lag_lo, lag_hi, None), lag_max=lag_hi,
        cap_text=" / ".join(caps) or "なし",
        cap_yen=min((c for c in (first.cap_yen, second.cap_yen) if c is not None), default=None),
        source_url=e1.source_url, seen_at=seen, age=age_text(seen, now),
        stale=bool(reasons), stale_reason=" / ".join(reasons), unit=first.unit,
    )


def mark_best(lines: list[ExitLine]) -> None:
    """Mark, per column, every line holding the best value — only where the
    column has at least two different values (a lone value is not "best")."""
    for column, (value, pick) in COLUMNS.items():
        values = [value(line) for line in lines if value(line) is not None]
        if pick is None or len(set(values)) < 2:
            continue
        best = pick(values)
        for line in lines:
            if value(line) == best:
                line.best.add(column)


def default_order(line: ExitLine):
    """Best return first; exits without a yen value last; stable by name."""
    rate = line.return_rate
    return (rate is None, -(rate or 0), line.site_name, line.kind, line.label)


def destination_tables(
    exits: list[CurrentExit],
    history: dict[int, list[ObservationPoint]],
    campaigns: list[CurrentCampaign],
    now: datetime,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
) -> list[DestinationTable]:
    """One table per destination (Amazon gift first), every stored exit once,
    plus the routes through intermediaries that beat a site's direct exit."""
    lines = {e.exit_id: exit_line(e, now, staleness(e, now, stale_after)) for e in exits}
    span = chart_span(history, now)
    for e in exits:
        bands = [campaign_band(c) for c in campaigns
                 if c.site == e.site and c.destination == e.destination]
        lines[e.exit_id].chart = step_chart(
            [(p.first_seen, p.last_seen, rate_per100(e, p)) for p in history.get(e.exit_id, [])],
            bands, span[0], now)
    by_dest: dict[str, list[ExitLine]] = {}
    for e in exits:
        by_dest.setdefault(e.destination, []).append(lines[e.exit_id])
    for route in routes(exits, lines, now):
        by_dest.setdefault(route[0], []).append(route[1])
    order = list(MAIN_DESTINATIONS) + [d for d in DESTINATION_ORDER if d not in MAIN_DESTINATIONS]
    order += sorted(d for d in by_dest if d not in order)
    tables = []
    for slug in order:
        if slug not in by_dest:
            continue
        rows = sorted(by_dest[slug], key=default_order)
        mark_best(rows)
        label = DESTINATIONS[slug].label if slug in DESTINATIONS else slug
        tables.append(DestinationTable(slug, label, rows))
    return tables


def routes(exits: list[CurrentExit], lines: dict[int, ExitLine], now: datetime):
    """(destination, line) for every two-hop route through an intermediary
    that beats the site's best direct exit to that destination (or where the
    site has none)."""
    direct: dict[tuple[str, str], Fraction] = {}
    for e in exits:
        rate = lines[e.exit_id].return_rate
        if rate is not None:
            key = (e.site, e.destination)
            direct[key] = max(direct.get(key, rate), rate)
    intermediaries = {slug for slug, s in SITES.items() if s.intermediary}
    onward = [e for e in exits if e.site in intermediaries]
    found = []
    for first in exits:
        if first.destination not in intermediaries or first.site == first.destination:
            continue
        for second in onward:
            if second.site != first.destination or second.destination in intermediaries:
                continue
            rate = compound_rate(first, second)
            beaten = direct.get((first.site, second.destination))
            if rate is None or (beaten is not None and rate <= beaten):
                continue
            found.append((second.destination, route_line(
                lines[first.exit_id], lines[second.exit_id], first, second, now)))
    return found


# --------------------------------------------------------------------------- charts


def rate_per100(e: CurrentExit, p: ObservationPoint) -> Fraction:
    unit = DESTINATIONS.get(e.destination)
    per_unit = unit.yen_per_unit if unit and unit.yen_per_unit is not None else Fraction(1)
    return Fraction(p.value_out * 100, p.points_in) * per_unit


def campaign_band(c: CurrentCampaign) -> tuple[datetime, datetime]:
    return (c.starts_at or c.first_seen, c.ends_at or c.last_seen)


def chart_span(history: dict[int, list[ObservationPoint]], now: datetime) -> tuple[datetime, datetime]:
    """One time axis for every chart, so they compare at a glance."""
    starts = [points[0].first_seen for points in history.values() if points]
    start = min(starts, default=now - timedelta(days=1))
    return (start, max(now, start + timedelta(seconds=1)))


# --------------------------------------------------------------------------- campaigns and offers


@dataclass
class OfferLine:
    """An active campaign or Amazon routing offer, as the top of the page shows it."""

    kind: str  # "campaign" | "offer"
    site_name: str
    title: str
    target: str  # the exit's destination, or the store and scope
    bonus: str  # "+2%", "1%割引", "1.0%還元"
    window: str
    first_come: bool
    capped: bool
    cap_text: str
    source_url: str
    seen_at: datetime
    age: str
    stale: bool
    fashion: bool = False


def bonus_text(c: CurrentCampaign) -> str:
    pct = percent_text(c.bonus_bp)
    return f"{pct}%割引" if c.kind == "discount" else f"+{pct}%増量"


def _on_now(sightings, now: datetime):
    """(record, sighting) pairs active at `now`, by the rules `pointexit
    campaigns` and `offers` use (window first, else still seen by its spider)."""
    from pointexit.activity import ACTIVE, activity

    for record, sighting in sightings:
        act = activity(starts_at=record.starts_at, ends_at=record.ends_at,
                       last_seen=record.last_seen, confirmed=sighting.confirmed, now=now)
        if act.state == ACTIVE:
            yield record, sighting


def sighting_stale(record, sighting, now: datetime, stale_after: timedelta) -> bool:
    """Stale by the rule the exits follow: the spider's newest run was not ok,
    or it was not seen for longer than `stale_after` (no crawl ran since)."""
    return sighting.stale or now - record.last_seen > stale_after


def active_campaigns(sightings, now: datetime,
                     stale_after: timedelta = DEFAULT_STALE_AFTER) -> list[OfferLine]:
    out = []
    for c, sighting in _on_now(sightings, now):
        dest = DESTINATIONS.get(c.destination)
        out.append(OfferLine(
            kind="campaign", site_name=site_name(c.site), title=c.title,
            target=dest.label if dest else c.destination, bonus=bonus_text(c),
            window=window_text(c.starts_at, c.ends_at), first_come=c.first_come,
            capped=bool(c.cap_points or c.cap_text),
            cap_text=f"{c.cap_points:,}{point_unit(c.site)}まで" if c.cap_points else (c.cap_text or ""),
            source_url=c.source_url, seen_at=c.last_seen, age=age_text(c.last_seen, now),
            stale=sighting_stale(c, sighting, now, stale_after),
        ))
    return sorted(out, key=lambda o: (o.target != DESTINATIONS["amazon_gift"].label, o.site_name, o.title))


def active_amazon_offers(sightings, now: datetime,
                         stale_after: timedelta = DEFAULT_STALE_AFTER) -> list[OfferLine]:
    """Amazon routing offers paying something now (a 0 % listing is no offer)."""
    from spiders.routing import is_fashion

    out = []
    for o, sighting in _on_now(sightings, now):
        if o.rate_bp <= 0:
            continue
        out.append(OfferLine(
            kind="offer", site_name=site_name(o.site), title=o.title,
            target=o.store + (f" ({o.scope})" if o.scope else ""),
            bonus=f"{percent_text(o.rate_bp)}%還元", window=window_text(o.starts_at, o.ends_at),
            first_come=False, capped=False, cap_text=o.conditions or "", source_url=o.source_url,
            seen_at=o.last_seen, age=age_text(o.last_seen, now),
            stale=sighting_stale(o, sighting, now, stale_after),
            fashion=is_fashion(o.scope),
        ))
    return sorted(out, key=lambda o: (not o.fashion, o.site_name, o.title))


# --------------------------------------------------------------------------- health


@dataclass
class HealthLine:
    spider: str
    site_name: str
    verdict: str
    verdict_ja: str
    started: str
    age: str
    items: int
    new_observations: int
    reason: str


def health_lines(runs: dict[str, RunSummary], now: datetime) -> list[HealthLine]:
    return [HealthLine(
        spider=r.spider, site_name=site_name(r.site), verdict=r.verdict,
        verdict_ja=VERDICT_JA.get(r.verdict, r.verdict), started=jst_text(r.started_at),
        age=age_text(r.started_at, now), items=r.items, new_observations=r.new_observations,
        reason=r.reason or "",
    ) for r in sorted(runs.values(), key=lambda r: r.spider)]
