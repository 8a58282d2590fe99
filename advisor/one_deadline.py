"""The plan's search by dynamic programming, exact where it answers.

Its home is the common case — every exchange reaching the same first spend:
spends a few weeks out, exits that credit within days — and the one a
general integer program handles worst: many sites at
nearly the same rate (every dot money chain is 297 → 300) make a subset-sum
that branch and bound must prove option by option. A dynamic program over
the yen covered proves it at once.

Condition (else `solve_one_deadline` returns None and the caller uses the
integer program): each site's options cost a fixed yen value per point (true
for the planner: cost = points × the site's point value).

When exchanges reach different first spends, or options use capped
resources (monthly and daily caps, campaign caps), the program solves the
relaxation in which every exchange reaches the earliest of them and no cap
is shared — except caps local to one site that the program keeps exactly
(`_cap_groups`: a monthly or daily points cap, one exchange a day). Every
plan is a plan of the relaxation, covering at least as much
there, so when the relaxation's best plan keeps every cap and covers as much
with the real arrival dates as it did in the relaxation, no plan covers more
and none covering as much costs less: it is the answer. Otherwise (a near
spend that only slower exits could pay for cheaply, a cap the cheapest plan
would break) None.

Yen are counted in units of g, the greatest common divisor of every option's
gift, so the arrays are short; amounts at or above the need all count as the
need. Two stages, both exact:
1. per site, over its items (one option each): the fewest points that give
   exactly y units, kept only within the site's balance (items sharing a
   local cap first form a group table within the cap);
2. over sites: the least cost (exact integers: costs scaled by the common
   denominator) for exactly y units, from each site's Pareto points (an
   amount some larger amount beats on points is never needed).
The answer is the largest coverage reachable, then the least cost for it,
read back through the choices each site's stage stored; the stage over sites
stores only its tables and finds each choice again (`_site_choice`).
"""

from __future__ import annotations

from fractions import Fraction
from math import gcd, lcm

import numpy as np

INF = 2**62
SAFE = 2**60  # totals (and λ-scaled totals) must stay far below INF


def _site_value(options) -> Fraction | None:
    """The one yen value per point every option's cost is charged at, or None.
    Compared by cross-multiplying numerators (exact, even for int costs):
    a Fraction per option made this a tenth of the planner's time."""
    n = d = None
    for o in options:
        c = o.cost
        if not o.points:
            if c:
                return None
        elif n is None:
            n, d = c.numerator, c.denominator * o.points
        elif c.numerator * d != n * c.denominator * o.points:
            return None
    return Fraction(n, d) if n is not None else Fraction(0)


_INDEX = None


def _index(n: int):
    global _INDEX
    if _INDEX is None or len(_INDEX) < n:
        _INDEX = np.arange(max(n, 1 << 16))
    return _INDEX


def _relax(table, arr, lo: int, hi: int, d: int, weight: int, top: int):
    """Relax table[min(y + d, top)] with arr[y] + weight for y in [lo, hi]
    (amounts are exact below the top; everything past it counts as the top).
    Returns the first source of the exact run, which of its targets improved
    (or None), and the source the top now comes from (-1: not improved)."""
    better, top_from = None, -1
    end = min(hi, top - d)  # last source that does not overflow
    if end >= lo:
        cand = arr[lo:end + 1] + weight
        view = table[lo + d:end + d + 1]
        better = cand < view
        np.copyto(view, cand, where=better)
        if end + d == top and better[-1]:
            top_from = end
    start = max(lo, top - d + 1)
    if start <= hi and d > 0:
        tail = arr[start:hi + 1]
        k = int(tail.argmin())
        if tail[k] + weight < table[top]:
            table[top] = tail[k] + weight
            top_from = start + k
    return better, top_from


def _add(table, src, pick, arr, lo: int, hi: int, d: int, weight: int, tag: int, cap: int) -> None:
    """`_relax`, writing where each improved amount came from and by which choice."""
    better, top_from = _relax(table, arr, lo, hi, d, weight, cap)
    if better is not None:
        end = lo + len(better) - 1
        np.copyto(src[lo + d:end + d + 1], _index(end + 1)[lo:end + 1], where=better)
        np.copyto(pick[lo + d:end + d + 1], tag, where=better)
    if top_from >= 0:
        src[cap] = top_from
        pick[cap] = tag


def solve_one_deadline(needs: list[int], items, balances: dict[str, int],
                       limits: dict[object, int | None] | None = None):
    """The exact (shortfall, cost) plan, or None when the conditions above fail."""
    from advisor.search import Result, shortfall_of

    if not items:
        return None
    cls = min(it.cls for it in items)
    if limits is None and any(o.uses for it in items for o in it.options):
        return None  # caps it cannot check
    by_site: dict[str, list] = {}
    for it in items:
        by_site.setdefault(it.site, []).append(it)
    values = {}
    for site, its in by_site.items():
        v = _site_value([o for it in its for o in it.options])
        if v is None:
            return None
        values[site] = v
    need = sum(needs[cls:])
    if need <= 0:
        return None
    g = 0
    for it in items:
        for o in it.options:
            g = gcd(g, o.yen)
    cap = -(-need // g)  # index `cap` stands for "the whole need or more"
    scale = lcm(*(v.denominator for v in values.values()))

    # 1. per site: fewest points for exactly y units (from its items, one option
    # each; a cap local to the site is kept exactly where `_cap_groups` can)
    site_tables = []
    owners: dict[object, set[str]] = {}
    for it in items:
        for o in it.options:
            for key, _ in o.uses:
                owners.setdefault(key, set()).add(it.site)
    for site, its in sorted(by_site.items()):
        budget = balances.get(site, 0)
        top = min(cap, sum(max(o.yen for o in it.options) // g for it in its))
        loose, groups = _cap_groups(its, limits or {}, {k for k, v in owners.items() if v == {site}})
        table = np.full(top + 1, INF, dtype=np.int64)
        table[0] = 0
        trail = []
        for it in loose:
            table, stage = _item_stage(table, it, budget, g, top)
            trail.append(("item", it, stage))
        for kind, limit, members in groups:
            room = min(budget, limit) if kind == "points" else budget
            table, stage = _group_stage(table, kind, members, room, budget, g, top)
            trail.append(("group", None, stage))
        # Pareto points, largest first: amounts no larger amount beats on points
        finite = np.nonzero(table < INF)[0][::-1]
        pts = table[finite]
        ahead = np.minimum.accumulate(np.concatenate(([INF], pts[:-1])))
        keep = (pts < ahead) & (finite > 0)
        site_tables.append((site, trail, finite[keep], pts[keep]))

    # 2. over sites: least scaled cost for exactly y units. Sites are taken
    # best rate first. An amount is dead when the sites still to come cannot
    # lift it to the best coverage reachable, or when even at their best rates
    # (a lower bound) it would cost more than a plan already known.
    stages_in = []
    for site, trail, ys, ps in site_tables:
        cs = ps * int(values[site] * scale)
        stages_in.append((_best_ratio(ys, cs), site, trail, ys, cs))
    stages_in.sort(key=lambda t: (t[0], t[1]))
    if sum(int(cs.max()) for *_, cs in stages_in if len(cs)) >= SAFE:
        return None  # amounts this large would overflow the exact int64 tables
    tops = [int(ys[0]) if len(ys) else 0 for _r, _s, _t, ys, _c in stages_in]
    target = min(cap, sum(tops))
    known = _greedy_cost([(ys, cs) for _r, _s, _t, ys, cs in stages_in], target)
    if known is None:
        total, stages = _over_sites(stages_in, tops, target, cap, None)
    else:
        # Lagrangian bound: at any price λ = a/b per unit, every plan reaching
        # the target costs at least LB = λ·target + Σ_s min_y (c_s(y) − λ·y).
        # Search under a cost bound LB + gap, widening the gap until a plan is
        # found (at the greedy plan's cost one must be): under a bound, a
        # site's amount whose own excess over its minimum exceeds the gap, or a
        # partial plan that cannot finish within it, is in no plan that counts.
        lam, lower, mins = _best_price(stages_in, tops, target)
        if lam.denominator * known >= SAFE or lam.numerator * cap >= SAFE:
            lam, lower, mins = Fraction(0), Fraction(0), [0] * len(stages_in)  # bound by 0: still exact
        width = max((known - lower) / 3, Fraction(1))
        while True:
            bound = min(known, int(lower + width))
            total, stages = _over_sites(stages_in, tops, target, cap, (bound, lam, mins))
            if total[target] < INF or bound >= known:
                break
            width *= 2

    reach = int(np.nonzero(total < INF)[0].max())
    chosen = []
    y, table = reach, total
    for trail, prev, *relaxed in reversed(stages):
        sy, y = _site_choice(prev, *relaxed, y, int(table[y]), cap)
        if sy:
            chosen += _read_back(trail, sy)
        table = prev
    relaxed = [0] * len(needs)
    relaxed[cls] = sum(o.yen for _, o in chosen)
    gift = [0] * len(needs)
    for it, o in chosen:
        gift[it.cls] += o.yen
    short, unc = shortfall_of(needs, gift)
    if short != shortfall_of(needs, relaxed)[0]:
        return None  # the relaxation's plan arrives too late for some spend
    used: dict[object, int] = {}
    for _, o in chosen:
        for key, amount in o.uses:
            used[key] = used.get(key, 0) + amount
    if any((limits or {}).get(key) is not None and amount > limits[key] for key, amount in used.items()):
        return None  # it breaks a cap
    return Result(chosen, short, sum((o.cost for _, o in chosen), Fraction(0)), uncovered=unc)


def _cap_groups(its, limits, local: set) -> tuple[list, list]:
    """Split a site's items into those taken freely and groups sharing a cap
    the program keeps exactly: a points cap (monthly or daily) whose use is
    the option's own points, or one exchange a day. Items using any other
    cap, or more than one, are taken freely (the final check still holds
    the plan to every cap)."""
    loose, grouped = [], {}
    for it in its:
        keys = {k for o in it.options for k, _ in o.uses}
        key = next(iter(keys)) if len(keys) == 1 else None
        limit = limits.get(key) if key is not None else None
        ok = key in local and limit is not None and all(len(o.uses) == 1 for o in it.options)
        if ok and key[0] in ("month", "day") and all(o.uses[0][1] == o.points for o in it.options):
            grouped.setdefault(("points", key, limit), []).append(it)
        elif ok and key[0] == "count" and limit == 1 and all(o.uses[0][1] == 1 for o in it.options):
            grouped.setdefault(("one", key, limit), []).append(it)
        else:
            loose.append(it)
    return loose, [(kind, limit, members) for (kind, _key, limit), members in grouped.items()]


def _group_stage(table, kind: str, members, room: int, budget: int, g: int, top: int):
    """Add a group of items sharing a cap: its own table of fewest points
    (within `room`: points for a points cap; one item at most for "one"),
    then every amount of it on top of the site's table."""
    n = top + 1
    base = np.full(n, INF, dtype=np.int64)
    base[0] = 0
    if kind == "points":
        inner, inner_trail = base, []
        for it in members:
            inner, stage = _item_stage(inner, it, room, g, top)
            inner_trail.append(("item", it, stage))
        read = ("trail", inner_trail)
    else:
        inner, which = base.copy(), np.full(n, -1, dtype=np.int64)
        stages = []
        for k, it in enumerate(members):
            alone, stage = _item_stage(base, it, room, g, top)
            better = alone < inner
            np.copyto(inner, alone, where=better)
            np.copyto(which, k, where=better)
            stages.append(("item", it, stage))
        read = ("one", which, stages)
    new, src, pick = _relaxing(table)
    lo, hi = _span(table)
    for y in np.nonzero(inner < INF)[0][1:].tolist():
        _add(new, src, pick, table, lo, hi, y, int(inner[y]), y, top)
    new[new > budget] = INF
    return new, (src, pick, read)


def _read_back(trail, y: int) -> list:
    """The (item, option) choices behind amount y of a table built by `trail`."""
    chosen = []
    for kind, it, stage in reversed(trail):
        if kind == "item":
            k, y = _item_choice(stage, y)
            if k is not None:
                chosen.append((it, it.options[k]))
            continue
        src, pick, read = stage
        gy = int(pick[y])
        y = int(src[y])
        if gy < 0:
            continue
        if read[0] == "trail":
            chosen += _read_back(read[1], gy)
        else:
            _one, which, stages = read
            chosen += _read_back([stages[int(which[gy])]], gy)
    return chosen


def _over_sites(stages_in, tops, target: int, cap: int, pruning):
    """Least scaled cost for exactly y units over the sites (best rate first),
    with the choices to read back. `pruning` = (cost bound, λ, per-site
    minimum of b·c − a·y) drops what cannot finish within the bound."""
    keep_zero = [True] * len(stages_in)
    pointsets = [(ys, cs) for *_, ys, cs in stages_in]
    slack_rest = [0.0] * (len(stages_in) + 1)
    if pruning is not None:
        bound, lam, mins = pruning
        a, b = lam.numerator, lam.denominator
        gap = b * bound - a * target - sum(mins)
        for i, (ys, cs) in enumerate(pointsets):
            ok = b * cs - a * ys - mins[i] <= gap
            pointsets[i] = (ys[ok], cs[ok])
            keep_zero[i] = -mins[i] <= gap
        for i in range(len(stages_in) - 1, -1, -1):
            slack_rest[i] = slack_rest[i + 1] + mins[i] / b
    rates = [float(r) for r, *_ in stages_in]  # a bound needs no exact rate (and sorts faster)
    total = np.full(cap + 1, INF, dtype=np.int64)
    total[0] = 0
    lo, hi, rest = 0, 0, sum(tops)
    stages = []
    for i, ((ys, cs), top) in enumerate(zip(pointsets, tops)):
        new = total.copy() if keep_zero[i] else np.full(cap + 1, INF, dtype=np.int64)
        if lo <= hi:
            for y, c in zip(ys.tolist(), cs.tolist()):
                _shift_min(new, total, lo, hi, y, c, cap)
        stages.append((stages_in[i][2], total, ys, cs, lo, hi, keep_zero[i]))
        rest -= top
        lo, hi = max(0, target - rest), min(cap, hi + top)
        new[:lo] = INF
        if pruning is not None and lo <= hi:
            later = list(zip(rates[i + 1:], tops[i + 1:]))
            window = new[lo:hi + 1]
            short = target - np.arange(lo, hi + 1)
            floor = np.maximum(_cheapest_fill(later, short),
                               float(lam) * short + slack_rest[i + 1] - 1e-6 * (1 + abs(bound)))
            window[window + floor > bound + 0.5] = INF
        lo, hi = _span(new)
        total = new
    return total, stages


def _relax_marked(table, arr, lo: int, hi: int, d: int, weight: int, top: int):
    """`_add` for the steps of a run of options: which amounts it relaxed, as
    a bit per amount, and where the top came from (-1: not relaxed). Every
    other relaxed amount y came from y − d, so a run keeps n/8 bytes a pass
    instead of two int64 arrays: a run per ~¥1,000 of a chain's need made
    those need² (¥500,000 on a dot money chain took 4 GB)."""
    marked = np.zeros(len(table), dtype=bool)
    better, top_from = _relax(table, arr, lo, hi, d, weight, top)
    if better is not None:
        marked[lo + d:lo + d + len(better)] = better
    if top_from >= 0:
        marked[top] = True
    return np.packbits(marked), top_from


def _shift_min(table, arr, lo: int, hi: int, d: int, weight: int, cap: int) -> None:
    """`_add` without the read-back arrays: the sites' stage finds its choices
    again afterwards (`_site_choice`), so each pass is two array operations."""
    end = min(hi, cap - d)
    if end >= lo:
        view = table[lo + d:end + d + 1]
        np.minimum(view, arr[lo:end + 1] + weight, out=view)
    start = max(lo, cap - d + 1)
    if start <= hi and d > 0:
        best = int(arr[start:hi + 1].min()) + weight
        if best < table[cap]:
            table[cap] = best


def _site_choice(prev, ys, cs, lo: int, hi: int, keep_zero: bool, y: int, value: int,
                 cap: int) -> tuple[int, int]:
    """(the site's amount, 0 for none; the amount before it) behind `value` at y
    in the sites' stage built from `prev`: the first choice, in the order the
    stage relaxed them, that reaches the value — the one its strict < kept."""
    if keep_zero and prev[y] == value:
        return 0, y
    for yk, ck in zip(ys.tolist(), cs.tolist()):
        if y < cap:
            src = y - yk
            if lo <= src <= hi and prev[src] + ck == value:
                return yk, src
        elif max(lo, cap - yk) <= hi:  # every amount reaching the top counts as the top
            first = max(lo, cap - yk)
            hit = np.flatnonzero(prev[first:hi + 1] + ck == value)
            if len(hit):
                return yk, first + int(hit[0])
    raise AssertionError(f"no choice reaches {value} at {y}")  # the stage's own values: cannot happen


def _segments(options) -> list[tuple[int, int]]:
    """Maximal runs [i, j) of options in arithmetic progression (yen, points)."""
    out, i = [], 0
    while i < len(options):
        j = i + 1
        if j < len(options):
            step = (options[j].yen - options[i].yen, options[j].points - options[i].points)
            while j + 1 < len(options) and (options[j + 1].yen - options[j].yen,
                                            options[j + 1].points - options[j].points) == step:
                j += 1
            j += 1
        out.append((i, j))
        i = j
    return out


def _relaxing(table):
    """A copy of `table` to relax into, with its read-back arrays: until
    relaxed, every amount comes from itself (src) by no choice (pick −1)."""
    n = len(table)
    return table.copy(), _index(n)[:n].copy(), np.full(n, -1, dtype=np.int64)


def _span(table) -> tuple[int, int]:
    """First and last finite amount of a table: outside them nothing can relax."""
    live = np.flatnonzero(table < INF)
    return (int(live[0]), int(live[-1])) if len(live) else (1, 0)


def _item_stage(table, it, budget: int, g: int, top: int):
    """Add one item (one option or none) to a site's table of fewest points.

    A run of options in arithmetic progression — the usual case: k steps of
    the same size — is added as its first option, then its extra steps split
    in parts 1, 2, 4, … (every count is a sum of distinct parts), so a run of
    m options costs about log2(m) passes instead of m. Passes cover only the
    table's finite span; on a table holding only amount 0 (a site's first
    item) each option simply lands on its own amount."""
    n = top + 1
    lo, hi = _span(table)
    if (lo, hi) == (0, 0):
        return _first_item_stage(table, it, budget, g, top)
    new, src, pick = _relaxing(table)
    runs = []
    for i, j in _segments(it.options):
        opts = it.options[i:j]
        if j - i <= 3:
            for k in range(i, j):
                if it.options[k].points <= budget:
                    _add(new, src, pick, table, lo, hi, it.options[k].yen // g, it.options[k].points, k, top)
            continue
        used = np.full(n, INF, dtype=np.int64)
        d0 = opts[0].yen // g
        _, top_from0 = _relax_marked(used, table, lo, hi, d0, opts[0].points, top)
        used[used > budget] = INF
        ulo, uhi = min(lo + d0, top), min(hi + d0, top)
        dy, dp = (opts[1].yen - opts[0].yen) // g, opts[1].points - opts[0].points
        parts, size, left = [], 1, j - i - 1
        while left > 0:
            part = min(size, left)
            left -= part
            size *= 2
            nxt = used.copy()
            parts.append((part, _relax_marked(nxt, used, ulo, uhi, part * dy, part * dp, top)))
            uhi = min(top, uhi + part * dy)
            nxt[nxt > budget] = INF
            used = nxt
        better = used < new
        np.copyto(new, used, where=better)
        np.copyto(src, _index(n)[:n], where=better)  # the run's own trail says where it came from
        np.copyto(pick, _RUN + len(runs), where=better)
        runs.append((i, d0, top_from0, dy, parts, top))
    new[new > budget] = INF
    return new, (src, pick, runs)


def _first_item_stage(table, it, budget: int, g: int, top: int):
    """`_item_stage` from amount 0 alone: amount y is the cheapest option
    giving y (amounts past the top count as the top), the first on a tie."""
    new, src, pick = _relaxing(table)
    opts = it.options
    ys = np.minimum(np.fromiter((o.yen // g for o in opts), np.int64, len(opts)), top)
    ps = np.fromiter((o.points for o in opts), np.int64, len(opts))
    ks = np.arange(len(opts))
    ok = (ps <= budget) & (ys > 0)
    ys, ps, ks = ys[ok], ps[ok], ks[ok]
    order = np.lexsort((ks, ps, ys))
    ys, ps, ks = ys[order], ps[order], ks[order]
    first = np.ones(len(ys), dtype=bool)
    first[1:] = ys[1:] != ys[:-1]
    ys, ps, ks = ys[first], ps[first], ks[first]
    new[ys] = ps
    src[ys] = 0
    pick[ys] = ks
    return new, (src, pick, [])


_RUN = 1 << 40  # pick tags at or above this name a run of options, not one option


def _item_choice(stage, y: int) -> tuple[int | None, int]:
    """(option index or None, the table index before this item) for amount y."""
    src, pick, runs = stage
    tag = int(pick[y])
    if tag < 0:
        return None, y
    if tag < _RUN:
        return tag, int(src[y])
    first, d0, top_from0, dy, parts, top = runs[tag - _RUN]
    steps = 0
    for part, (relaxed, top_from) in reversed(parts):
        if relaxed[y >> 3] >> (7 - (y & 7)) & 1:
            steps += part
            y = top_from if y == top else y - part * dy
    return first + steps, (top_from0 if y == top else y - d0)


def _greedy_cost(sites, target: int) -> int | None:
    """A plan's cost reaching `target` units (an upper bound), or None: sites
    best rate first, each its largest amount until one amount finishes it."""
    need, cost = target, 0
    for ys, cs in sites:
        if need <= 0:
            break
        if not len(ys):
            continue
        enough = ys >= need
        if enough.any():
            return cost + int(cs[enough].min())
        need -= int(ys[0])
        cost += int(cs[0])
    return cost if need <= 0 else None


def _best_ratio(ys, cs) -> Fraction:
    """Exact least cost per unit over a site's amounts (floats only to find it)."""
    if not len(ys):
        return Fraction(INF)
    k = int((cs / ys).argmin())
    while True:
        worse = cs * int(ys[k]) < int(cs[k]) * ys  # a strictly better ratio than k's
        if not worse.any():
            return Fraction(int(cs[k]), int(ys[k]))
        k = int(np.nonzero(worse)[0][0])


def _cheapest_fill(sites: list[tuple[float, int]], need):
    """Lower bound on the cost of `need` units (an array) from these sites, each
    giving at most its units at no better than its best rate (fractional fill)."""
    caps, costs = [0.0], [0.0]
    for ratio, top in sorted(sites):
        caps.append(caps[-1] + top)
        costs.append(costs[-1] + ratio * top)
    need = np.clip(need, 0, None).astype(float)
    # beyond what they can give the amount is dead anyway (handled by the window)
    return np.interp(need, caps, costs) * (1 - 1e-12) - 1e-6


def _lagrangian(stages_in, target: int, lam: Fraction):
    """(LB, per-site min of b·c − a·y) at price λ = a/b (see solve_one_deadline)."""
    a, b = lam.numerator, lam.denominator
    mins = [min(0, int((b * cs - a * ys).min())) if len(ys) else 0 for *_, ys, cs in stages_in]
    return Fraction(a * target + sum(mins), b), mins


def _best_price(stages_in, tops, target: int):
    """The price among the sites' best rates (and where filling best rate first
    ends) giving the highest Lagrangian bound; the bound is concave in the
    price, so a ternary search over the sorted candidates finds it."""
    prices = sorted({r for r, *_ in stages_in if r < INF}
                    | {_critical_ratio([(r, t) for (r, *_), t in zip(stages_in, tops)], target)})
    memo = {}

    def at(k):
        if k not in memo:
            memo[k] = _lagrangian(stages_in, target, prices[k])
        return memo[k]

    lo, hi = 0, len(prices) - 1
    while hi - lo > 2:
        m1, m2 = lo + (hi - lo) // 3, hi - (hi - lo) // 3
        if at(m1)[0] < at(m2)[0]:
            lo = m1 + 1
        else:
            hi = m2
    k = max(range(lo, hi + 1), key=lambda k: at(k)[0])
    return prices[k], at(k)[0], at(k)[1]


def _critical_ratio(sites: list[tuple[Fraction, int]], target: int) -> Fraction:
    """The rate at which filling `target` units best rate first ends."""
    got = 0
    last = Fraction(0)
    for ratio, top in sorted(sites):
        if top:
            last = ratio
            got += top
            if got >= target:
                break
    return last
