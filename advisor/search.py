"""Exact search for the plan's exchanges (branch and bound).

The problem it solves is stated in `advisor.plan`'s docstring; here it is in
its abstract form:

- `needs[c]` yen are needed by spend c (c = 0, 1, … in date order);
- each item (a route applied in one time slot) may be used with at most one
  of its options; an option gives `yen` of gift that can serve spends
  c ≥ item.cls, costs `cost` (exact), and uses amounts of shared resources
  (site balances, caps per day and month, campaign caps), each limited;
- shortfall = the yen of need no allocation can cover: gift of class c serves
  any spend ≥ c, so a forward pass carrying the surplus computes it exactly;
- minimise (shortfall, cost) lexicographically.

Search: items in order of efficiency (best yen per cost first), depth first,
each item's options tried covering-first, then smaller, then none. A node is
cut when a lower bound on (shortfall, cost) of every completion is not
better than the best plan found. Bounds relax, never tighten: each site's
remaining items may turn its whole remaining balance into gift at its best
yen-per-point ratio, arriving in its earliest class (for the shortfall), and
at its best yen-per-cost ratio, with timing ignored (for the cost). Options
are cut only when another option of the same item dominates them (no more
cost, no more of any resource, all the coverage that can still be used).
"""

from __future__ import annotations

import sys
from bisect import bisect_left
from dataclasses import dataclass, field
from fractions import Fraction

INF = None  # marks an infinite ratio (an option that costs nothing)


@dataclass(frozen=True)
class Option:
    yen: int
    cost: Fraction
    points: int  # from the item's site balance
    uses: tuple[tuple[object, int], ...] = ()  # other resources: (key, amount)
    payload: object = None


@dataclass
class Item:
    site: str
    cls: int
    options: list[Option]  # ascending yen, efficient (no option reaches its yen cheaper)
    payload: object = None
    order_key: tuple = ()
    # filled by solve()
    best_per_point: Fraction = Fraction(0)
    best_per_cost: Fraction | None = Fraction(0)


@dataclass
class Result:
    chosen: list[tuple[Item, Option]]  # the items used, each with its option
    shortfall: int
    cost: Fraction
    nodes: int = 0
    uncovered: list[int] = field(default_factory=list)  # per need


def shortfall_of(needs: list[int], gift: list[int]) -> tuple[int, list[int]]:
    """Yen of need left uncovered when gift of class c serves spends ≥ c."""
    surplus = 0
    short = 0
    uncovered = []
    for need, g in zip(needs, gift):
        surplus += g
        used = min(surplus, need)
        surplus -= used
        uncovered.append(need - used)
        short += need - used
    return short, uncovered


def _ratio(a: int | Fraction, b: int | Fraction) -> Fraction | None:
    return INF if b <= 0 else Fraction(a) / b


def _better(a: Fraction | None, b: Fraction | None) -> bool:
    """a > b for ratios where None is infinite."""
    if a is INF:
        return b is not INF
    return b is not INF and a > b


def solve(needs: list[int], items: list[Item], balances: dict[str, int],
          limits: dict[object, int]) -> Result:
    n = len(needs)
    for it in items:
        it.options = [o for o in it.options if o.yen > 0]
        it.best_per_point = max((Fraction(o.yen, o.points) for o in it.options if o.points > 0),
                                default=Fraction(0))
        best: Fraction | None = Fraction(0)
        for o in it.options:
            r = _ratio(o.yen, o.cost)
            if _better(r, best):
                best = r
        it.best_per_cost = best
    items = [it for it in items if it.options and it.cls < n]
    order = sorted(range(len(items)), key=lambda i: (
        -(items[i].best_per_cost if items[i].best_per_cost is not INF else Fraction(10**12)),
        items[i].order_key))
    items = [items[i] for i in order]
    m = len(items)

    # Per site: its item positions, with suffix bests for the bounds.
    sites = sorted({it.site for it in items})
    pos: dict[str, list[int]] = {s: [] for s in sites}
    for i, it in enumerate(items):
        pos[it.site].append(i)
    suffix: dict[str, list[tuple[Fraction, Fraction | None, int]]] = {}
    for s in sites:
        acc: list[tuple[Fraction, Fraction | None, int]] = []
        bp, bc, cls = Fraction(0), Fraction(0), n
        for i in reversed(pos[s]):
            it = items[i]
            bp = max(bp, it.best_per_point)
            if _better(it.best_per_cost, bc):
                bc = it.best_per_cost
            cls = min(cls, it.cls)
            acc.append((bp, bc, cls))
        suffix[s] = acc[::-1]

    left = dict(balances)
    room = dict(limits)
    gift = [0] * n
    choice: list[Option | None] = [None] * m
    best_choice: list[Option | None] = [None] * m
    best_short, _ = shortfall_of(needs, gift)
    best = [best_short, Fraction(0)]
    nodes = 0

    def bound(i: int, short_now: int, cost_now: Fraction) -> tuple[int, Fraction]:
        potential = list(gift)
        supply = []
        for s in sites:
            p = pos[s]
            k = bisect_left(p, i)
            if k == len(p) or left.get(s, 0) <= 0:
                continue
            bp, bc, cls = suffix[s][k]
            ymax = left[s] * bp
            potential[cls] += int(ymax)  # floor: gift is whole yen
            supply.append((bc, int(ymax)))
        short_lb, _ = shortfall_of(needs, potential)
        extra = short_now - short_lb
        cost = cost_now
        if extra > 0:
            supply.sort(key=lambda t: -(t[0] if t[0] is not INF else Fraction(10**12)))
            for bc, ymax in supply:
                if extra <= 0:
                    break
                take = min(extra, ymax)
                if bc is not INF and bc > 0:
                    cost += Fraction(take) / bc
                extra -= take
        return short_lb, cost

    def useful(cls: int) -> int:
        _, unc = shortfall_of(needs, gift)
        return sum(unc[cls:])

    def fits(it: Item, o: Option) -> bool:
        if o.points > left.get(it.site, 0):
            return False
        return all(room.get(k, 0) >= a for k, a in o.uses if k in room)

    def take(it: Item, o: Option, sign: int) -> None:
        left[it.site] -= sign * o.points
        for k, a in o.uses:
            if k in room:
                room[k] -= sign * a
        gift[it.cls] += sign * o.yen

    def visit(i: int, cost_now: Fraction) -> None:
        nonlocal nodes
        nodes += 1
        short_now, _ = shortfall_of(needs, gift)
        if (short_now, cost_now) < (best[0], best[1]):
            best[0], best[1] = short_now, cost_now
            best_choice[:] = choice
        if i == m or short_now == 0:
            return
        lb = bound(i, short_now, cost_now)
        if lb >= (best[0], best[1]):
            return
        it = items[i]
        want = useful(it.cls)
        tries: list[Option] = []
        if want > 0:
            covering = None
            for o in it.options:
                if o.yen >= want and fits(it, o):
                    covering = o
                    break
            below = [o for o in it.options if o.yen < want]
            if covering is not None:
                tries.append(covering)
            tries += reversed(below)
        for o in tries:
            if not fits(it, o):
                continue
            take(it, o, 1)
            choice[i] = o
            visit(i + 1, cost_now + o.cost)
            choice[i] = None
            take(it, o, -1)
        visit(i + 1, cost_now)

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 2 * m + 200))
    try:
        visit(0, Fraction(0))
    finally:
        sys.setrecursionlimit(limit)
    gift_final = [0] * n
    chosen = []
    for it, o in zip(items, best_choice):
        if o is not None:
            gift_final[it.cls] += o.yen
            chosen.append((it, o))
    short, unc = shortfall_of(needs, gift_final)
    assert short == best[0]
    return Result(chosen=chosen, shortfall=short, cost=best[1], nodes=nodes, uncovered=unc)
