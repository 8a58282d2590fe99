"""The advisor's plain data: what it is given and what it answers.

Money is exact: points and yen are ints, rates are Fractions. Dates are
Asia/Tokyo calendar dates; `today` is always passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from functools import cached_property


@dataclass(frozen=True)
class Exit:
    """One way out of a site, as the advisor needs it (exact integers)."""

    site: str
    destination: str
    label: str
    points_in: int  # points_in site points → value_out destination units
    value_out: int
    minimum_points: int | None
    step_points: int | None
    fee_points: int
    lag_max_days: int | None  # business days, worst case
    source_url: str
    seen_at: datetime
    yen_per_point: Fraction = Fraction(1)  # of the site's points
    lag_text: str | None = None
    monthly_cap_points: int | None = None
    stale: bool = False
    lag_min_days: int | None = None
    daily_cap_points: int | None = None
    daily_exchanges: int | None = None
    cap_scope: str = "exit"  # "site": the caps are shared by all the site's exits
    # When the destination is an intermediary (dot money, PeX), the site whose
    # points arrive: the route goes on from there.
    leads_to: str | None = None
    max_points: int | None = None  # largest single exchange, when the site has one
    lag_counts_saturday: bool = False  # the lag's business days include Saturday

    # Cached: the planner asks millions of times (the dataclass is frozen; a
    # cached_property writes to the instance dict, not through __setattr__).
    @cached_property
    def step(self) -> int:
        return self.step_points or self.points_in

    @cached_property
    def floor(self) -> int:
        """Smallest valid amount: the minimum, lifted onto the step grid."""
        step = self.step
        low = self.minimum_points or step
        return -(-low // step) * step

    def valid_amount(self, points: int) -> bool:
        """Allowed exchange sizes: at least the minimum, in whole steps, within caps."""
        if points < self.floor or points % self.step:
            return False
        return points <= self.largest

    @cached_property
    def largest(self) -> int | float:
        """The largest single exchange any cap allows (inf: none)."""
        return min((cap for cap in (self.max_points, self.daily_cap_points, self.monthly_cap_points)
                    if cap is not None), default=float("inf"))

    def units_out(self, points: int) -> int:
        """Destination units received (sites round down)."""
        return points * self.value_out // self.points_in

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.site, self.destination, self.label)


@dataclass(frozen=True)
class Campaign:
    """A time-limited preferential rate on the exits of `site` to `destination`."""

    site: str
    destination: str
    title: str
    kind: str  # "bonus" (増量: more out) or "discount" (割引: fewer points in)
    bonus_bp: int  # 100 = 1 %
    starts_on: date | None  # first day it applies (None: already running)
    ends_on: date | None  # last day it applies (None: open-ended)
    source_url: str
    seen_at: datetime
    cap_points: int | None = None  # points of the exchange eligible, over the campaign
    first_come: bool = False  # 先着: may end before ends_on
    ident: str = ""
    cap_unit: str = "pt"  # how the site writes its points (マネー on dot money), for the reasons
    site_name: str = ""  # the site as the user reads it (ドットマネー), for the reasons

    def active_on(self, d: date) -> bool:
        return (self.starts_on is None or self.starts_on <= d) and (
            self.ends_on is None or d <= self.ends_on)

    @property
    def key(self) -> str:
        return self.ident or f"{self.site}:{self.destination}:{self.title}:{self.starts_on}"


@dataclass(frozen=True)
class RoutingOffer:
    """Cashback for shopping at a store through a site (e.g. Amazon Fashion)."""

    site: str
    store: str
    title: str
    rate_bp: int
    scope: str | None
    conditions: str | None
    starts_on: date | None
    ends_on: date | None
    source_url: str
    seen_at: datetime
    lag_text: str | None = None
    yen_per_point: Fraction = Fraction(1)

    def active_on(self, d: date) -> bool:
        return (self.starts_on is None or self.starts_on <= d) and (
            self.ends_on is None or d <= self.ends_on)


@dataclass(frozen=True)
class Spend:
    on: date
    yen: int
    tag: str | None = None  # "fashion" | "abroad"


@dataclass(frozen=True)
class Step:
    site: str
    label: str  # the route, e.g. "ハピタス → ドットマネー → Amazonギフト"
    points: int  # site points exchanged on the first hop (fee not included)
    fee_points: int
    yen: int  # gift yen that arrives
    apply_by: date  # last day to apply so it still arrives before the spend
    arrives_by: date  # worst case, applied on `apply_on`
    for_spend: date  # first spend this gift serves
    source_url: str
    seen_at: datetime
    apply_on: date | None = None  # the day the plan applies (today unless a window says later)
    route: tuple[str, ...] = ()  # sites along the route, origin first
    hops: tuple[tuple[str, int, int], ...] = ()  # (exit label, points in, units out) per hop
    cost: Fraction = Fraction(0)  # yen value of points spent (intermediary leftover not credited)
    leftover: tuple[tuple[str, int], ...] = ()  # intermediary units left behind
    campaigns: tuple[str, ...] = ()  # campaign titles used
    uncertain: bool = False  # uses a first-come campaign
    sources: tuple[tuple[str, datetime], ...] = ()  # every hop's (source URL, seen at)


@dataclass(frozen=True)
class Reason:
    """Why a number is what it is, with where it came from."""

    text: str
    source_url: str | None = None
    seen_at: datetime | None = None
    # A route's later hops are read from other pages (PeX's own rate on PeX's
    # site): their (source URL, seen at), each page once, the first's excluded.
    more_sources: tuple[tuple[str, datetime], ...] = ()


@dataclass(frozen=True)
class Advice:
    """Something to do besides exchanging: wait for a campaign, shop through a site."""

    kind: str  # "wait" | "routing_offer"
    text: str
    numbers: dict = field(default_factory=dict, hash=False, compare=False)
    source_url: str | None = None
    seen_at: datetime | None = None


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    left: dict[str, int] = field(default_factory=dict)  # site → points left
    uncovered: list[tuple[date, int]] = field(default_factory=list)  # (spend date, yen short)
    warnings: list[str] = field(default_factory=list)
    reasons: list[str | Reason] = field(default_factory=list)
    advice: list[Advice] = field(default_factory=list)
    covered_by_balance: list[tuple[date, str, int]] = field(default_factory=list)  # (spend, lot, yen)
    shortfall: int = 0
    cost: Fraction = Fraction(0)
    proven: bool = True  # False: the solver's time limit stopped the proof of optimality
    cost_bound: Fraction | None = None  # proven lower bound on the cost of any plan as good
    method: str = ""  # how it was proven: "dynamic program" or "integer program"
    # What to exchange today (`advisor.advise`): the plan's steps for today,
    # less what its wait advice holds back; a part of a step is re-planned on
    # its own (a smaller exchange) when only some of the spends it serves wait.
    now: list[Step] = field(default_factory=list)
