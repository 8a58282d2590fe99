"""Routes: one exit, or a chain of exits through intermediaries
(site → dot money → Amazon gift), run exactly hop by hop.

A chain runs as a pipeline: each hop is applied on the day the previous hop's
units arrive (worst case of its lag), and exchanges the largest valid amount
of what arrived (its minimum, step, fee and per-exchange caps); what cannot be
exchanged stays on the intermediary as leftover. Every hop rounds down, as
the sites do; campaigns change a hop's rate on the day it is applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from advisor.model import Campaign, Exit

GIFT = "amazon_gift"
MAX_HOPS = 3


@dataclass(frozen=True)
class Route:
    hops: tuple[Exit, ...]

    @property
    def origin(self) -> str:
        return self.hops[0].site

    @property
    def sites(self) -> tuple[str, ...]:
        return tuple(h.site for h in self.hops)

    def rate(self) -> Fraction:
        """Compounded rate without rounding: gift yen per origin point-yen."""
        r = Fraction(1) / self.hops[0].yen_per_point
        for h in self.hops:
            r *= Fraction(h.value_out, h.points_in)
        return r


def find_routes(exits: list[Exit], origins: set[str], destination: str = GIFT) -> list[Route]:
    """Every route from an origin site to `destination`, at most MAX_HOPS hops, no site twice."""
    by_site: dict[str, list[Exit]] = {}
    for e in exits:
        by_site.setdefault(e.site, []).append(e)
    routes: list[Route] = []

    def walk(site: str, path: tuple[Exit, ...]) -> None:
        for e in by_site.get(site, ()):
            if e.lag_max_days is None:
                continue  # a lag we do not know cannot be planned against a date
            if e.destination == destination:
                routes.append(Route(path + (e,)))
            elif e.leads_to and len(path) + 1 < MAX_HOPS and e.leads_to not in {
                    h.site for h in path} | {site}:
                walk(e.leads_to, path + (e,))

    for origin in sorted(origins):
        walk(origin, ())
    return routes


@dataclass(frozen=True)
class HopRun:
    exit: Exit
    points: int  # nominal amount exchanged (the valid amount)
    charged: int  # taken from the balance: amount − discount + fee
    units: int  # received, bonus included
    eligible: int  # points counted against the campaign's cap (0: no campaign)
    campaign: Campaign | None


class Run:
    """One exchange along a route: what goes in, what comes out, what is left.

    The planner weighs thousands of runs a plan and reads few, so a run keeps
    its pipe's tuples and makes its `HopRun`s only when they are read."""

    __slots__ = ("pipe", "campaigns", "points", "yen")

    def __init__(self, pipe: list[tuple[Exit, int, int, int, int]], campaigns: tuple[Campaign | None, ...]):
        self.pipe = pipe  # per hop: (exit, amount, units, charged, eligible), as `_pipe` gives them
        self.campaigns = campaigns
        self.points = pipe[0][3]  # charged on the first hop
        self.yen = pipe[-1][2]  # received from the last

    @property
    def hops(self) -> tuple[HopRun, ...]:
        return tuple(HopRun(e, amount, charged, units, eligible, c)
                     for (e, amount, units, charged, eligible), c in zip(self.pipe, self.campaigns))

    @property
    def leftover(self) -> tuple[int, ...]:
        """Intermediary units left after each hop but the last."""
        return tuple(a[2] - b[3] for a, b in zip(self.pipe, self.pipe[1:]))

    def __repr__(self) -> str:
        return f"Run(points={self.points}, yen={self.yen}, hops={self.hops!r})"


def hop_out(e: Exit, amount: int, campaign: Campaign | None, cap_left: int | None) -> tuple[int, int, int]:
    """(units received, points charged, points eligible) for one valid amount."""
    units = e.units_out(amount)
    charged = amount + e.fee_points
    eligible = 0
    if campaign is not None:
        eligible = amount if cap_left is None else min(amount, cap_left)
        if campaign.kind == "discount":
            charged -= eligible * campaign.bonus_bp // 10_000
        else:
            units += e.units_out(eligible) * campaign.bonus_bp // 10_000
    return units, charged, eligible


def largest_valid(e: Exit, available: int) -> int:
    """Largest valid amount whose points plus fee fit in `available` (0 if none)."""
    room = min(available - e.fee_points, e.largest)
    amount = int(room // e.step * e.step)
    return amount if amount >= e.floor else 0


def largest_fitting(e: Exit, available: int, campaign: Campaign | None, cap_left: int | None) -> int:
    """Largest valid amount whose points taken — fee added, the campaign's
    discount deducted — fit in `available` (0 if none): a discount lets an
    intermediary exchange more than arrived, as it does on the first hop."""
    if campaign is None or campaign.kind != "discount":
        return largest_valid(e, available)
    bp = min(campaign.bonus_bp, 9_999)
    # Upper bounds on the amount: the discount is at most bp of it, and of the cap.
    reach = (available - e.fee_points) * 10_000 // (10_000 - bp) + e.fee_points
    if cap_left is not None:
        reach = min(reach, available + cap_left * bp // 10_000)
    amount = largest_valid(e, reach)
    while amount and hop_out(e, amount, campaign, cap_left)[1] > available:
        amount = amount - e.step if amount - e.step >= e.floor else 0  # taken grows with the amount
    return amount


def _pipe(route: Route, first: int, campaigns: tuple[Campaign | None, ...],
          caps_left: tuple[int | None, ...] | None) -> list[tuple[Exit, int, int, int, int]]:
    """Each hop as (exit, amount, units, charged, eligible): `first` points on
    the first hop, then the largest valid amount of what arrived; stops
    before a hop that cannot run. (A plain list, not a generator: the
    planner's bisection runs it thousands of times a plan.)"""
    caps_left = caps_left or (None,) * len(route.hops)
    out = []
    units = 0
    for i, e in enumerate(route.hops):
        amount = largest_fitting(e, units, campaigns[i], caps_left[i]) if i else first
        if not amount or not (i or e.valid_amount(amount)):
            break
        units, charged, eligible = hop_out(e, amount, campaigns[i], caps_left[i])
        out.append((e, amount, units, charged, eligible))
    return out


def run_route(route: Route, first: int, campaigns: tuple[Campaign | None, ...],
              caps_left: tuple[int | None, ...] | None = None) -> Run | None:
    """Exchange `first` points on the first hop, then pipe the units through."""
    pipe = _pipe(route, first, campaigns, caps_left)
    return Run(pipe, campaigns) if len(pipe) == len(route.hops) else None


def runs_up_to(route: Route, budget: int, campaigns: tuple[Campaign | None, ...],
               caps_left: tuple[int | None, ...] | None = None, yen_enough: int | None = None) -> list[Run]:
    """The efficient exchanges of a route within `budget` points: for each gift
    amount reachable, the smallest first-hop amount giving it (no exchange that
    a smaller one matches). Stops after the first run reaching `yen_enough`."""
    first = route.hops[0]
    reach = budget
    if campaigns[0] is not None and campaigns[0].kind == "discount":
        # a discount lets a larger amount fit the balance
        reach = (budget - first.fee_points) * 10_000 // (10_000 - min(campaigns[0].bonus_bp, 9_999)) \
            + first.fee_points
    amounts = range(first.floor, largest_valid(first, reach) + 1, first.step)
    if not amounts:
        return []
    if len(route.hops) == 1:
        # Every amount on the grid is valid here: run the hop directly.
        out = []
        camp, cap = campaigns[0], (caps_left or (None,))[0]
        last = 0
        for a in amounts:
            units, charged, eligible = hop_out(first, a, camp, cap)
            if charged > budget:
                break
            if units > last:
                out.append(Run([(first, a, units, charged, eligible)], campaigns))
                last = units
                if yen_enough is not None and units >= yen_enough:
                    break
        return out
    # Chains: the gift is a step function of the first-hop amount; find each
    # step's left edge by bisection instead of running every amount. A step's
    # left edge was run while looking for it: keep the runs.
    out: list[Run] = []
    lo = 0
    n = (amounts.stop - amounts.start + amounts.step - 1) // amounts.step  # len() overflows past 2**63
    width = 0  # the last step's width: steps are usually regular, so try it first
    ran: dict[int, Run | None] = {}

    def run(i: int) -> Run | None:
        if i not in ran:
            ran[i] = run_route(route, amounts[i], campaigns, caps_left)
        return ran[i]

    def gift(i: int) -> int:
        r = run(i)
        return r.yen if r else 0

    while lo < n:
        r = run(lo)
        yen = r.yen if r else 0
        # first index after lo giving more gift than `yen`
        guess = lo + width
        if width and guess < n and gift(guess) > yen and gift(guess - 1) <= yen:
            a = guess
        else:
            a, b = lo + 1, n
            while a < b:
                mid = (a + b) // 2
                if gift(mid) > yen:
                    b = mid
                else:
                    a = mid + 1
        width = a - lo
        if r is not None and r.points > budget:
            break
        if r is not None and yen > 0 and (not out or yen > out[-1].yen):
            out.append(r)
            if yen_enough is not None and yen >= yen_enough:
                break
        lo = a
    return out
