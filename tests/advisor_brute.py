"""Brute force for the plan's objective, written without the planner's ideas
or pieces.

It enumerates every set of exchanges at the level of single days (no slots,
no bounds but "a full cover costs no less than this"): each (route, day)
may carry an exchange of any valid first-hop amount that gives more than
every smaller one (any number of them when an exit on the route has a
per-exchange maximum), claiming a capped campaign or not, and keeps the
best (shortfall, cost). Only tiny instances are feasible.

Only the Amazon side (`advisor.amazon.cover_from_balances`, tested on its own
in tests/test_advisor.py) and the plain data classes are shared with the
planner. Routes, running an amount through a route's hops, business-day
arrival and which campaign applies are written again here, plainly, from the
rules (advisor/plan.py's objective, advisor/model.py, advisor/routes.py'
docstring) — so a bug in the planner's versions cannot pass unnoticed.
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import jpholiday

from advisor.amazon import AmazonWallet, cover_from_balances
from advisor.business_days import Calendar
from advisor.model import Campaign, Exit, Spend

GIFT = "amazon_gift"
LONGEST_CHAIN = 3  # exits in a route at most (origin → intermediary → intermediary → gift)


def forward_shortfall(needs: list[tuple[date, int]], gifts: list[tuple[date, int]]) -> int:
    """Gift arriving on day a serves spends dated after a; earliest spends first."""
    pool = sorted(gifts)
    short = 0
    avail = 0
    k = 0
    for on, need in needs:
        while k < len(pool) and pool[k][0] < on:
            avail += pool[k][1]
            k += 1
        used = min(avail, need)
        avail -= used
        short += need - used
    return short


# --- business days ---------------------------------------------------------------------------

def open_for_business(calendar: Calendar, d: date, saturdays: bool) -> bool:
    """Mon–Fri (and Saturday when the lag counts it), not a national holiday,
    not a closed day, not inside the year-end break (which may wrap the new year)."""
    if d.weekday() == 6 or (d.weekday() == 5 and not saturdays):
        return False
    if jpholiday.is_holiday(d) or d in calendar.closed_days:
        return False
    if calendar.year_end is not None:
        start, end = calendar.year_end
        here = (d.month, d.day)
        if start <= end and start <= here <= end:
            return False
        if start > end and (here >= start or here <= end):
            return False
    return True


def business_days_later(calendar: Calendar, day: date, n: int, saturdays: bool) -> date:
    """Walk forward one calendar day at a time until n business days have passed."""
    seen = 0
    while seen < n:
        day += timedelta(days=1)
        if open_for_business(calendar, day, saturdays):
            seen += 1
    return day


def when(route: tuple[Exit, ...], day: date, calendar: Calendar) -> tuple[list[date], date]:
    """Each hop is applied the day the previous one's units arrive (worst case);
    the gift arrives when the last hop's lag has passed."""
    applied = []
    for e in route:
        applied.append(day)
        day = business_days_later(calendar, day, e.lag_max_days, e.lag_counts_saturday)
    return applied, day


# --- routes ----------------------------------------------------------------------------------

def routes_from(exits: list[Exit], origins: set[str]) -> list[tuple[Exit, ...]]:
    """Every way from an origin to Amazon gift: a direct exit, or exits to
    intermediaries (`leads_to`) and on from there, no site visited twice, at
    most LONGEST_CHAIN exits. An exit whose worst-case lag is unknown is no way."""
    found = []

    def extend(path: tuple[Exit, ...], site: str, visited: set[str]) -> None:
        for e in exits:
            if e.site != site or e.lag_max_days is None:
                continue
            if e.destination == GIFT:
                found.append(path + (e,))
            elif (e.leads_to is not None and e.leads_to not in visited
                  and len(path) + 1 < LONGEST_CHAIN):
                extend(path + (e,), e.leads_to, visited | {e.leads_to})

    for origin in origins:
        extend((), origin, {origin})
    return found


# --- campaigns -------------------------------------------------------------------------------

def claimable(e: Exit, day: date, campaigns: list[Campaign]) -> list[Campaign | None]:
    """The campaigns an exchange on this exit that day may claim: the one worth
    most first; when it is capped, also the next best, and so on down to the
    first uncapped one (or none at all when every one is capped)."""
    running = [c for c in campaigns
               if c.site == e.site and c.destination == e.destination and c.bonus_bp > 0
               and (c.starts_on is None or c.starts_on <= day)
               and (c.ends_on is None or day <= c.ends_on)]
    # Worth per point: a discount d makes a point go 1/(1-d) as far, a bonus b 1+b.
    def worth(c: Campaign) -> tuple[Fraction, str]:
        if c.kind == "discount":
            return Fraction(10_000, 10_000 - min(c.bonus_bp, 9_999)), c.key
        return Fraction(10_000 + c.bonus_bp, 10_000), c.key

    running.sort(key=worth, reverse=True)
    out: list[Campaign | None] = []
    for c in running:
        out.append(c)
        if c.cap_points is None:
            return out
    return out + [None]


# --- one exchange along a route --------------------------------------------------------------

def smallest_amount(e: Exit) -> int:
    step = e.step_points or e.points_in
    least = e.minimum_points or step
    return -(-least // step) * step


def allowed(e: Exit, amount: int) -> bool:
    """At least the minimum, in whole steps, and no cap smaller than the amount."""
    step = e.step_points or e.points_in
    if amount < (e.minimum_points or step) or amount % step:
        return False
    return all(cap is None or amount <= cap
               for cap in (e.max_points, e.daily_cap_points, e.monthly_cap_points))


def hop(e: Exit, amount: int, campaign: Campaign | None) -> tuple[int, int, int]:
    """(units received, points taken, points counted against the campaign's cap).
    The site rounds down; a bonus adds bonus_bp of what the eligible points
    give (rounded down again), a discount takes bonus_bp of the eligible points
    off what is charged (rounded down), eligible being the amount up to the cap."""
    units = amount * e.value_out // e.points_in
    taken = amount + e.fee_points
    eligible = 0
    if campaign is not None:
        eligible = amount if campaign.cap_points is None else min(amount, campaign.cap_points)
        if campaign.kind == "bonus":
            units += (eligible * e.value_out // e.points_in) * campaign.bonus_bp // 10_000
        else:
            taken -= eligible * campaign.bonus_bp // 10_000
    return units, taken, eligible


def exchange(route, claims, first_amount):
    """Run `first_amount` through the route: each later hop exchanges the
    largest allowed amount that what arrived pays for. Per hop (exit, amount,
    units, taken, eligible), or None when a hop cannot run."""
    hops = []
    arrived = None
    for i, (e, c) in enumerate(zip(route, claims)):
        if i == 0:
            amount = first_amount
        else:
            # (what is taken grows with the amount: a discount takes off less than a step)
            amount, a = 0, smallest_amount(e)
            while hop(e, a, c)[1] <= arrived:
                if allowed(e, a):
                    amount = a
                a += e.step_points or e.points_in
            if not amount:
                return None
        units, taken, eligible = hop(e, amount, c)
        hops.append((e, amount, units, taken, eligible))
        arrived = units
    return hops


def first_amounts(route, claims, budget):
    """Every allowed first-hop amount whose points taken fit in the balance."""
    first = route[0]
    a = smallest_amount(first)
    while allowed(first, a) and hop(first, a, claims[0])[1] <= budget:
        yield a
        a += first.step_points or first.points_in


# --- the enumeration -------------------------------------------------------------------------

def brute_force(exits: list[Exit], balances: dict[str, int], spends: list[Spend], today: date,
                campaigns: list[Campaign], calendar: Calendar, amazon: AmazonWallet | None = None,
                available_until: dict[str, date] | None = None,
                cap_used: dict[str, int] | None = None):
    """`cap_used`: site → points already exchanged this month against the
    site's shared monthly cap (its exits with cap_scope "site")."""
    cover = cover_from_balances([s for s in spends if s.on >= today], amazon or AmazonWallet())
    needs = [(s.on, s.yen) for s in cover.residual]
    if not needs:
        return 0, Fraction(0)
    last = needs[-1][0]
    cells = []
    for route in routes_from(exits, {s for s, p in balances.items() if p > 0}):
        origin = route[0].site
        lapse = (available_until or {}).get(origin)
        d = today
        while d < last and (lapse is None or d <= lapse):
            applied, arrives = when(route, d, calendar)
            if arrives < last:  # else it serves no spend
                per_hop = [claimable(e, hd, campaigns) for e, hd in zip(route, applied)]
                choices = [()]
                for options in per_hop:
                    choices = [ch + (c,) for ch in choices for c in options]
                for claims in choices:
                    cells.append((route, applied, arrives, claims))
            d += timedelta(days=1)
    runs_of: dict[tuple[int, int], list] = {}

    def runs(i, budget):
        if (i, budget) not in runs_of:
            route, _, _, claims = cells[i]
            out = []
            for a in first_amounts(route, claims, budget):
                hops = exchange(route, claims, a)
                # An amount giving no more gift than a smaller one is never
                # needed: the smaller takes fewer points and, hop by hop, no
                # more of any cap.
                if hops is not None and (not out or hops[-1][2] > out[-1][-1][2]):
                    out.append(hops)
            runs_of[(i, budget)] = out
        return runs_of[(i, budget)]

    def uses(hops, applied, claims):
        """What an exchange counts against each limit: key → (amount, limit)."""
        out = {}

        def add(key, amount, limit):
            had, lim = out.get(key, (0, limit))
            out[key] = (had + amount, min(lim, limit))

        for (e, amount, _units, _taken, eligible), d, c in zip(hops, applied, claims):
            who = e.site if e.cap_scope == "site" else (e.site, e.destination, e.label)
            if e.monthly_cap_points is not None:
                room = e.monthly_cap_points
                if e.cap_scope == "site" and (d.year, d.month) == (today.year, today.month):
                    room = max(0, room - (cap_used or {}).get(e.site, 0))
                add(("month", who, d.year, d.month), amount, room)
            if e.daily_cap_points is not None:
                add(("day", who, d), amount, e.daily_cap_points)
            if e.daily_exchanges is not None:
                add(("count", who, d), 1, e.daily_exchanges)
            if c is not None and c.cap_points is not None:
                add(("campaign", campaigns.index(c)), eligible, c.cap_points)
        return out

    best = [forward_shortfall(needs, []), Fraction(0)]

    def walk(i, left, used, gifts, cost, least=0):
        """Cells before i are decided; cell i already carries exchanges of
        first-hop amounts up to `least` (taken in increasing order: each
        set once)."""
        short = forward_shortfall(needs, gifts)
        if (short, cost) < tuple(best):
            best[0], best[1] = short, cost
        if i == len(cells) or short == 0:  # more exchanges would only cost more
            return
        if best[0] == 0 and cost >= best[1]:  # nothing added can beat a full cover as cheap
            return
        walk(i + 1, left, used, gifts, cost)
        route, applied, arrives, claims = cells[i]
        origin = route[0].site
        for hops in runs(i, left.get(origin, 0)):
            if hops[0][1] < least:
                continue
            u = uses(hops, applied, claims)
            if any(used.get(k, 0) + a > lim for k, (a, lim) in u.items()):
                continue
            new_used = dict(used)
            for k, (a, _lim) in u.items():
                new_used[k] = new_used.get(k, 0) + a
            taken = hops[0][3]
            # Another exchange on the same route and day may follow (a site
            # takes as many applications as its limits allow) — where one of
            # the route's exits has a per-exchange maximum. Without one, one
            # exchange of the two first-hop amounts' sum is as good as both:
            # it is valid where they are (minimum, steps; the caps a day or a
            # month count the sum either way), takes one fee instead of two,
            # and every hop's rounding down (and largest amount fitting what
            # arrived) loses no more on a sum than on its parts.
            again = any(e.max_points is not None for e in route)
            walk(i if again else i + 1, {**left, origin: left[origin] - taken}, new_used,
                 gifts + [(arrives, hops[-1][2])], cost + taken * route[0].yen_per_point,
                 hops[0][1] if again else 0)

    walk(0, dict(balances), {}, [], Fraction(0))
    return best[0], best[1]
