"""Brute force for the plan's objective, written without the planner's ideas.

It enumerates every set of exchanges at the level of single days (no slots,
no efficient-amount lists, no bounds): each (route, day) may carry one
exchange of any valid first-hop amount, claiming a capped campaign or not,
and keeps the best (shortfall, cost). Only tiny instances are feasible.
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

from advisor.amazon import AmazonWallet, cover_from_balances
from advisor.business_days import Calendar
from advisor.model import Campaign, Exit, Spend
from advisor.plan import best_campaign, hop_days
from advisor.routes import find_routes, run_route


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


def scope(e: Exit):
    return e.site if e.cap_scope == "site" else e.key


def brute_force(exits: list[Exit], balances: dict[str, int], spends: list[Spend], today: date,
                campaigns: list[Campaign], calendar: Calendar, amazon: AmazonWallet | None = None):
    cover = cover_from_balances([s for s in spends if s.on >= today], amazon or AmazonWallet())
    needs = [(s.on, s.yen) for s in cover.residual]
    if not needs:
        return 0, Fraction(0)
    last = needs[-1][0]
    routes = find_routes(exits, {s for s, p in balances.items() if p > 0})
    cells = []
    for route in routes:
        d = today
        while d < last:
            days, arrives = hop_days(route, d, calendar)
            if arrives < last:
                camps = tuple(best_campaign(h, hd, campaigns) for h, hd in zip(route.hops, days))
                cells.append((route, days, arrives, camps))
                if any(c is not None and c.cap_points is not None for c in camps):
                    # a second exchange that day, not claiming the capped campaign
                    cells.append((route, days, arrives, tuple(
                        None if c is not None and c.cap_points is not None else c for c in camps)))
            d += timedelta(days=1)
    best = [forward_shortfall(needs, []), Fraction(0)]

    def options(route, camps, budget):
        first = route.hops[0]
        amount = first.floor
        claims = [camps]
        while amount <= 2 * budget:  # discounts let amounts above the balance fit
            for cl in claims:
                caps = tuple(c.cap_points if c is not None else None for c in cl)
                r = run_route(route, amount, cl, caps)
                if r is not None and r.points <= budget:
                    yield r
            amount += first.step

    def usage(run, days):
        uses = {}
        for hop, d in zip(run.hops, days):
            e = hop.exit
            if e.monthly_cap_points is not None:
                k = ("month", scope(e), d.year, d.month)
                uses[k] = uses.get(k, 0) + hop.points
            if e.daily_cap_points is not None:
                k = ("day", scope(e), d)
                uses[k] = uses.get(k, 0) + hop.points
            if e.daily_exchanges is not None:
                k = ("count", scope(e), d)
                uses[k] = uses.get(k, 0) + 1
            if hop.campaign is not None and hop.campaign.cap_points is not None:
                k = ("campaign", hop.campaign.key)
                uses[k] = uses.get(k, 0) + hop.eligible
        return uses

    def limit(key):
        kind = key[0]
        if kind == "campaign":
            return next(c.cap_points for c in campaigns if c.key == key[1])
        e = next(e for e in exits if scope(e) == key[1])
        return {"month": e.monthly_cap_points, "day": e.daily_cap_points,
                "count": e.daily_exchanges}[kind]

    def walk(i, left, used, gifts, cost):
        short = forward_shortfall(needs, gifts)
        if (short, cost) < tuple(best):
            best[0], best[1] = short, cost
        if i == len(cells) or short == 0:  # more exchanges would only cost more
            return
        walk(i + 1, left, used, gifts, cost)
        route, days, arrives, camps = cells[i]
        for run in options(route, camps, left.get(route.origin, 0)):
            u = usage(run, days)
            if any(used.get(k, 0) + a > limit(k) for k, a in u.items()):
                continue
            c = run.points * route.hops[0].yen_per_point
            new_used = dict(used)
            for k, a in u.items():
                new_used[k] = new_used.get(k, 0) + a
            walk(i + 1, {**left, route.origin: left[route.origin] - run.points}, new_used,
                 gifts + [(arrives, run.yen)], cost + c)

    walk(0, dict(balances), {}, [], Fraction(0))
    return best[0], best[1]
