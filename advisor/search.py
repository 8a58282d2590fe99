"""Exact search for the plan's exchanges: a mixed-integer program solved by HiGHS.

The problem it solves is stated in `advisor.plan`'s docstring; here it is in
its abstract form:

- `needs[c]` yen are needed by spend c (c = 0, 1, … in date order);
- each item (a route applied in one time slot) may be used with at most one
  of its options; an option gives `yen` of gift that can serve spends
  c ≥ item.cls, costs `cost` (exact), takes `points` from the item's site
  and uses amounts of other limited resources (caps per day and month,
  campaign caps);
- shortfall = the yen of need no allocation can cover: gift of class c serves
  any spend ≥ c, so coverage is limited by every prefix (the yen covered in
  spends 0..k is at most the gift of classes 0..k), and a forward pass
  carrying the surplus attains that bound;
- minimise (shortfall, cost) lexicographically.

As an integer program: one binary per (item, option), at most one per item;
site balances and resource caps as knapsack rows; coverage variables
0 ≤ cov_c ≤ needs[c] with the prefix rows Σ_{c≤k} cov_c ≤ Σ_{cls≤k} yen·z.
First maximise Σ cov, then, holding it, minimise the cost. All data are
integers (costs are scaled by the common denominator), so HiGHS with a zero
relative gap and an absolute gap below one returns a true optimum; the answer
is then re-checked in exact arithmetic before it is used: a balance or cap it
breaks is a `SolverError`; coverage other than it counted makes it unproven.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
import math
from math import lcm
from typing import NamedTuple


class SolverError(RuntimeError):
    pass


class Option(NamedTuple):
    """One way to use an item (a tuple: the planner makes thousands a plan)."""

    yen: int
    cost: Fraction | int
    points: int  # from the item's site balance
    uses: tuple[tuple[object, int], ...] = ()  # other resources: (key, amount)
    payload: object = None


@dataclass
class Item:
    site: str
    cls: int
    options: list[Option]
    payload: object = None
    order_key: tuple = ()


@dataclass
class Result:
    chosen: list[tuple[Item, Option]]  # the items used, each with its option
    shortfall: int
    cost: Fraction
    uncovered: list[int] = field(default_factory=list)  # per need
    proven: bool = True  # False: the time limit stopped the solver before it proved optimality
    cost_bound: Fraction | None = None  # no plan with this coverage costs less (when known)
    method: str = ""  # "dynamic program" or "integer program" ("" when nothing was searched)


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


_SOLVER = None


def _highs():
    """One quiet HiGHS instance per process (it prints a banner when created)."""
    global _SOLVER
    if _SOLVER is None:
        import sys

        import highspy

        sys.stdout.flush()  # what Python buffered must not follow the banner into /dev/null
        saved = os.dup(1)
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 1)
                _SOLVER = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        for name, value in (("output_flag", False), ("mip_rel_gap", 0.0), ("mip_abs_gap", 0.5),
                            ("threads", 1), ("random_seed", 0)):
            _SOLVER.setOptionValue(name, value)
    return _SOLVER


def _run(n_cols, costs, integer, upper, rows, row_hi, row_lo=None, time_limit=None, start=None):
    """Minimise costs·x over 0 ≤ x ≤ upper, rows·x ≤ row_hi (≥ row_lo).
    Returns (x, proven optimal).

    `start`, a feasible answer, is handed to HiGHS as a MIP start (it speeds
    the proof and is a fallback if time runs out). HiGHS 1.16 can map a start
    into its presolved model without the objective offset and then declare
    the start optimal against a wrong bound (a plan costing 610 "proven" where
    600 was feasible). So every claimed optimum is checked against HiGHS's own
    dual bound; one the bound does not prove is solved again without the
    start, then without presolve, and a third failure is a SolverError."""
    import highspy
    import numpy as np

    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_cols, len(rows)
    lp.col_cost_ = np.array(costs, dtype=float)
    lp.col_lower_ = np.zeros(n_cols)
    lp.col_upper_ = np.array(upper, dtype=float)
    lp.row_lower_ = np.array(row_lo if row_lo is not None else [-inf] * len(rows), dtype=float)
    lp.row_upper_ = np.array(row_hi, dtype=float)
    starts, index, value = [0], [], []
    for r in rows:
        for c, v in r:
            index.append(c)
            value.append(v)
        starts.append(len(index))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(value, dtype=float)
    lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                       for i in integer]
    h = _highs()
    attempts = [(start, "choose")] if start is not None else []
    attempts += [(None, "choose"), (None, "off")]
    try:
        for given, presolve in attempts:
            h.clearModel()
            h.setOptionValue("time_limit", float(time_limit) if time_limit else inf)
            h.setOptionValue("presolve", presolve)
            h.passModel(lp)
            if given is not None:
                sol = highspy.HighsSolution()
                sol.col_value = [float(v) for v in given]
                sol.value_valid = True
                h.setSolution(sol)
            h.run()
            status = h.getModelStatus()
            x = list(h.getSolution().col_value)
            _run.dual_bound = h.getInfo().mip_dual_bound
            if status != highspy.HighsModelStatus.kOptimal:
                break
            objective = sum(c * v for c, v in zip(costs, x))
            # Proven means nothing feasible lies below the bound and the answer
            # is within the absolute gap of it (all data are integers).
            if objective - _run.dual_bound <= 0.5 + 1e-6 * max(1.0, abs(objective)):
                return x, True
    finally:
        h.setOptionValue("presolve", "choose")
    if status == highspy.HighsModelStatus.kOptimal:
        raise SolverError("HiGHS claims an optimum its own bound does not prove")
    if status == highspy.HighsModelStatus.kTimeLimit:
        if h.getInfo().primal_solution_status == 2:
            return x, False  # feasible, not proven optimal within the time limit
        if start is not None:
            return [float(v) for v in start], False
    raise SolverError(f"HiGHS: {h.modelStatusToString(status)}")


def _linear(options: list[Option]):
    """(first, step) when options are first + t·step for t = 0..m, else None."""
    if len(options) < 3:
        return None
    a, b = options[0], options[1]
    keys = [k for k, _ in a.uses]
    if [k for k, _ in b.uses] != keys:
        return None
    step = (b.yen - a.yen, b.points - a.points, b.cost - a.cost,
            tuple(y - x for (_, x), (_, y) in zip(a.uses, b.uses)))
    for t, o in enumerate(options):
        if ([k for k, _ in o.uses] != keys or o.yen != a.yen + t * step[0]
                or o.points != a.points + t * step[1] or o.cost != a.cost + t * step[2]
                or any(y != x + t * d for (_, x), (_, y), d in zip(a.uses, o.uses, step[3]))):
            return None
    return a, step


def solve(needs: list[int], items: list[Item], balances: dict[str, int],
          limits: dict[object, int], time_limit: float | None = None, one_deadline: bool = True) -> Result:
    """The exact (shortfall, cost) plan. Single-deadline problems go to the
    dynamic program in `advisor.one_deadline` (unless `one_deadline` is False:
    tests compare the two); the rest to the integer program."""
    n = len(needs)
    for it in items:
        it.options = [o for o in it.options if o.yen > 0]
    items = [it for it in items if it.options and it.cls < n]
    items.sort(key=lambda it: it.order_key)
    if not items:
        short, unc = shortfall_of(needs, [0] * n)
        return Result([], short, Fraction(0), uncovered=unc)
    from advisor.one_deadline import solve_one_deadline

    quick = solve_one_deadline(needs, items, balances, limits) if one_deadline else None
    if quick is not None:
        result = _checked(needs, quick.chosen, balances, limits, sum(needs) - quick.shortfall)
        result.cost_bound = result.cost
        result.method = "dynamic program"
        return result
    # Columns: per item either one binary per option, or (for options in
    # arithmetic progression) a binary `use` plus an integer number of extra steps.
    terms: list[list[tuple[int, int, int, Fraction, tuple]]] = []  # per item: (col, yen, pts, cost, uses)
    upper: list[int] = []
    decode = []
    for it in items:
        lin = _linear(it.options)
        if lin:
            first, (dy, dp, dc, du) = lin
            u, k = len(upper), len(upper) + 1
            upper += [1, len(it.options) - 1]
            terms.append([(u, first.yen, first.points, first.cost, first.uses),
                          (k, dy, dp, dc, tuple((key, d) for (key, _), d in zip(first.uses, du)))])
            decode.append(("lin", u, k))
        else:
            cols = list(range(len(upper), len(upper) + len(it.options)))
            upper += [1] * len(cols)
            terms.append([(c, o.yen, o.points, o.cost, o.uses) for c, o in zip(cols, it.options)])
            decode.append(("pick", cols))
    nz = len(upper)
    rows, hi = [], []
    for it, d, t in zip(items, decode, terms):
        if d[0] == "pick":
            rows.append([(c, 1) for c in d[1]])
        else:
            rows.append([(d[2], 1), (d[1], -(len(it.options) - 1))])  # steps only when used
        hi.append(1 if d[0] == "pick" else 0)
    by_site: dict[str, list] = {}
    by_key: dict[object, list] = {}
    for it, t in zip(items, terms):
        for c, _y, pts, _cost, uses in t:
            by_site.setdefault(it.site, []).append((c, pts))
            for key, amount in uses:
                if limits.get(key) is not None:
                    by_key.setdefault(key, []).append((c, amount))
    for site, r in by_site.items():
        rows.append(r)
        hi.append(balances.get(site, 0))
    for key, r in by_key.items():
        rows.append(r)
        hi.append(limits[key])
    for k in range(n):  # Σ_{c≤k} cov_c − Σ_{cls≤k} yen ≤ 0
        rows.append([(nz + c, 1) for c in range(k + 1)]
                    + [(c, -y) for it, t in zip(items, terms) if it.cls <= k for c, y, *_ in t])
        hi.append(0)
    nc = nz + n
    integer = [True] * nz + [False] * n
    bounds = upper + list(needs)
    # A feasible start from a greedy pass: if the time limit stops HiGHS before
    # it finds better, the plan is still this one, not an empty one.
    start = [0.0] * nc
    picked = greedy_cover(needs, items, balances, limits)
    gift = [0] * n
    for i, k in picked.items():
        d = decode[i]
        if d[0] == "pick":
            start[d[1][k]] = 1.0
        else:
            start[d[1]], start[d[2]] = 1.0, float(k)
        gift[items[i].cls] += items[i].options[k].yen
    _short, unc = shortfall_of(needs, gift)
    start[nz:] = [float(need - u) for need, u in zip(needs, unc)]
    x, proven = _run(nc, [0] * nz + [-1] * n, integer, bounds, rows, hi, time_limit=time_limit,
                     start=start)
    covered = round(sum(x[nz:]))
    proven = proven or covered == sum(needs)  # nothing covers more than all of it
    scale = lcm(*(c.denominator for t in terms for *_, c, _u in t))
    costs = [0] * nc
    for t in terms:
        for c, _y, _p, cost, _u in t:
            costs[c] = int(cost * scale)
    rows2 = rows + [[(nz + c, 1) for c in range(n)]]
    lo2 = [float("-inf")] * len(rows) + [covered]
    x, proven2 = _run(nc, costs, integer, bounds, rows2, hi + [float("inf")], row_lo=lo2,
                      time_limit=time_limit, start=_integral(x, nz))
    # No plan covering as much costs less than this (HiGHS's bound, rounded up to whole units).
    # (costs are never negative, so 0 bounds them when HiGHS has no bound yet)
    dual = _run.dual_bound if math.isfinite(_run.dual_bound) else 0.0
    bound = Fraction(max(0, math.ceil(dual - 1e-6)), scale) if not proven2 else None
    if proven2 and any(it.order_key for it in items):
        # 3) among the cheapest, the earliest (ties broken by the items' order)
        best = round(sum(costs[c] * x[c] for c in range(nc)))
        rank = {k: r for r, k in enumerate(sorted({it.order_key[:1] for it in items}))}
        late = [0] * nc
        for it, d in zip(items, decode):
            for c in (d[1] if d[0] == "pick" else d[1:2]):
                late[c] = rank[it.order_key[:1]]
        try:
            x3, done = _run(nc, late, integer, bounds, rows2 + [[(c, costs[c]) for c in range(nz) if costs[c]]],
                            hi + [float("inf"), best], row_lo=lo2 + [float("-inf")],
                            time_limit=time_limit, start=_integral(x, nz))
            if done:
                x = x3
        except SolverError:
            pass  # keep the cheapest plan found; its order is only a tie-break
    chosen = []
    for it, d in zip(items, decode):
        if d[0] == "pick":
            picked = [o for c, o in zip(d[1], it.options) if x[c] > 0.5]
            chosen += [(it, o) for o in picked]
        elif x[d[1]] > 0.5:
            chosen.append((it, it.options[round(x[d[2]])]))
    result = _checked(needs, chosen, balances, limits)
    result.method = "integer program"
    # The plan covers what the solver counted, unless the time limit stopped
    # the first stage on an answer whose coverage variables had slack (the
    # likely cause of a mismatch seen once with monthly caps binding, under
    # load): the second stage then needed only that much and its plan may
    # cover more. It stands, unproven.
    agrees = sum(needs) - result.shortfall == covered
    result.proven = proven and proven2 and agrees
    result.cost_bound = result.cost if result.proven else (bound if proven and agrees else None)
    return result


def greedy_cover(needs: list[int], items: list[Item], balances: dict[str, int],
                 limits: dict[object, int]) -> dict[int, int]:
    """A feasible plan, quickly (item index → option index): spends in date
    order, each from the unused items that reach it, best rate first, taking
    the smallest option that finishes it (else the largest that fits)."""
    left = dict(balances)
    room = {k: v for k, v in limits.items() if v is not None}
    picked: dict[int, int] = {}
    carry = 0
    for j, need in enumerate(needs):
        short = max(0, need - carry)
        carry = max(0, carry - need)
        order = sorted((i for i, it in enumerate(items) if it.cls <= j and i not in picked),
                       key=lambda i: -max(o.yen / o.cost if o.cost else float("inf")
                                          for o in items[i].options))
        for i in order:
            if short <= 0:
                break
            fits = [k for k, o in enumerate(items[i].options)
                    if o.points <= left.get(items[i].site, 0)
                    and all(room.get(key, amount) >= amount for key, amount in o.uses)]
            if not fits:
                continue
            done = [k for k in fits if items[i].options[k].yen >= short]
            k = min(done, key=lambda k: items[i].options[k].cost) if done else \
                max(fits, key=lambda k: items[i].options[k].yen)
            o = items[i].options[k]
            picked[i] = k
            left[items[i].site] = left.get(items[i].site, 0) - o.points
            for key, amount in o.uses:
                if key in room:
                    room[key] -= amount
            carry += max(0, o.yen - short)
            short = max(0, short - o.yen)
    return picked


def _integral(x: list[float], nz: int) -> list[float]:
    return [float(round(v)) for v in x[:nz]] + x[nz:]


def _checked(needs, chosen, balances, limits, covered: int | None = None) -> Result:
    """Re-check the solver's answer in exact arithmetic: every balance and
    cap kept, and (when `covered` is given) the coverage it claims."""
    gift = [0] * len(needs)
    left = dict(balances)
    room = {k: v for k, v in limits.items() if v is not None}
    seen = set()
    for it, o in chosen:
        if id(it) in seen:
            raise SolverError("two options of one item")
        seen.add(id(it))
        gift[it.cls] += o.yen
        left[it.site] = left.get(it.site, 0) - o.points
        for key, amount in o.uses:
            if key in room:
                room[key] -= amount
    if any(v < 0 for v in left.values()) or any(v < 0 for v in room.values()):
        raise SolverError("solver answer breaks a balance or a cap")
    short, unc = shortfall_of(needs, gift)
    if covered is not None and sum(needs) - short != covered:
        raise SolverError("solver coverage does not match the exact check")
    return Result(chosen, short, sum((o.cost for _, o in chosen), Fraction(0)), uncovered=unc)
