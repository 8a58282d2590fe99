"""The planner: how long it takes.

An exact plan for 20 sites × 10 destinations × 12 monthly spends (target
≤ 50 ms), against a same-run baseline — a greedy pass (best rate first,
spends in date order, exchange today) over the same exits. How much value
the advisor captures over a year is `bench_plan_quality` (the simulator is
`benchmarks.simulator`).
"""

from __future__ import annotations

import random
import statistics
from datetime import date, datetime, timedelta
from fractions import Fraction

from advisor.model import Exit, Spend
from advisor.plan import SOLVER_TIME_LIMIT, plan_amazon_cover
from benchmarks import Figure, median_time
from pointexit.clock import JST

SEEN = datetime(2026, 1, 1, tzinfo=JST)
DESTS = ("bank", "paypay", "rakuten_point", "d_point", "waon", "jal_mile", "nanaco")
START = date(2027, 1, 4)


def _exit(site, dest, pin, out, lag, value=Fraction(1), **kw) -> Exit:
    kw.setdefault("minimum_points", pin)
    kw.setdefault("step_points", pin)
    kw.setdefault("fee_points", 0)
    return Exit(site, dest, f"{site}→{dest}", pin, out, lag_max_days=lag,
                source_url=f"https://{site}.example/exchange/", seen_at=SEEN, yen_per_point=value, **kw)


def market(n_sites: int, rng: random.Random) -> tuple[list[Exit], dict[str, int]]:
    """n point sites, each with exits to 10 destinations (gift, dot money, PeX and 7 others)."""
    exits = [_exit("dotmoney", "amazon_gift", 297, 300, 3),
             _exit("pex", "amazon_gift", 19_800, 2_000, 2, Fraction(1, 10))]
    balances = {}
    for k in range(n_sites):
        site = f"site{k:02d}"
        value = rng.choice([Fraction(1), Fraction(1), Fraction(1, 2), Fraction(1, 10)])
        unit = int(1 / value)
        step = rng.choice([100, 300, 490, 500, 1_000]) * unit
        out = step // unit + rng.choice([-20, -10, 0, 0, 10])
        exits.append(_exit(site, "amazon_gift", step, out, rng.randint(0, 10), value,
                           fee_points=rng.choice([0, 0, 0, 50 * unit]),
                           monthly_cap_points=rng.choice([None, None, 30_000 * unit]), cap_scope="site"))
        exits.append(_exit(site, "dotmoney", 100 * unit, 100, rng.randint(0, 5), value,
                           minimum_points=300 * unit, leads_to="dotmoney"))
        exits.append(_exit(site, "pex", 100 * unit, 1_000, rng.randint(0, 5), value,
                           minimum_points=500 * unit, leads_to="pex"))
        for dest in DESTS:
            exits.append(_exit(site, dest, 300 * unit, 300, rng.randint(1, 20), value))
        balances[site] = rng.randint(1, 30) * 500 * unit
    return exits, balances


def monthly_spends(rng: random.Random, start: date = START) -> list[Spend]:
    return [Spend(date(start.year + (start.month + m - 1) // 12, (start.month + m - 1) % 12 + 1, 15),
                  rng.randint(3, 15) * 1_000) for m in range(1, 13)]


# --- 1. time --------------------------------------------------------------------------------

def greedy(exits, balances, spends, today):
    """Baseline: best direct rate first, each spend in date order, all applied today."""
    left = dict(balances)
    gift = [e for e in exits if e.destination == "amazon_gift" and e.site in left]
    gift.sort(key=lambda e: -Fraction(e.value_out, e.points_in) / e.yen_per_point)
    steps = []
    for s in spends:
        need = s.yen
        for e in gift:
            while need > 0 and left[e.site] >= e.floor + e.fee_points:
                lots = min(-(-need // e.value_out), (left[e.site] - e.fee_points) // e.step)
                pts = max(lots * e.step, e.floor)
                left[e.site] -= pts + e.fee_points
                need -= e.units_out(pts)
                steps.append((e.site, pts))
    return steps


def time_figures(seeds=range(5), reps=3) -> list[Figure]:
    plan_t, base_t, unproven = [], [], 0
    plan_amazon_cover([], {}, [], START)  # load the solver once, outside the timing
    for seed in seeds:
        rng = random.Random(seed)
        exits, balances = market(20, rng)
        spends = monthly_spends(rng)
        today = START
        plan_t.append(median_time(lambda: plan_amazon_cover(exits, balances, spends, today), reps))
        base_t.append(median_time(lambda: greedy(exits, balances, spends, today), reps))
        unproven += not plan_amazon_cover(exits, balances, spends, today).proven
    value, base = statistics.median(plan_t), statistics.median(base_t)
    # The same markets with a first spend inside the exits' lags: two deadlines.
    # The dynamic program answers when its relaxation's plan arrives in time;
    # otherwise the integer program runs.
    near_t, near_unproven, near_ip = [], 0, 0
    for seed in seeds:
        rng = random.Random(seed)
        exits, balances = market(20, rng)
        spends = [Spend(START + timedelta(days=6), 20_000)] + monthly_spends(rng)
        near_t.append(median_time(lambda: plan_amazon_cover(exits, balances, spends, START), 1))
        plan = plan_amazon_cover(exits, balances, spends, START)
        near_unproven += not plan.proven
        near_ip += plan.method == "integer program"
    near = statistics.median(near_t)
    # Four times the balances and the spend: the monthly caps of a third of
    # the sites bind, so every month is a slot of its own for them.
    big_t, big_ip = [], 0
    for seed in seeds:
        rng = random.Random(seed)
        exits, balances = market(20, rng)
        balances = {site: points * 4 for site, points in balances.items()}
        spends = [Spend(s.on, s.yen * 4) for s in monthly_spends(rng)]
        big_t.append(median_time(lambda: plan_amazon_cover(exits, balances, spends, START), 1))
        big_ip += plan_amazon_cover(exits, balances, spends, START).method == "integer program"
    big = statistics.median(big_t)
    return [
        Figure("planner: 20 sites × 10 dest × 12 spends (median)", value * 1_000, "ms",
               baseline=base * 1_000, target="≤ 50 ms", ok=value <= 0.050,
               note=f"baseline: greedy pass; max {max(plan_t) * 1_000:.0f} ms over {len(plan_t)} markets"),
        Figure("planner: plans not proven optimal", unproven, "plans", target="= 0", ok=unproven == 0),
        Figure("planner: same, first spend inside the lags (median)", near * 1_000, "ms",
               baseline=base * 1_000,
               note=f"max {max(near_t) * 1_000:.0f} ms; integer program needed in {near_ip} of "
                    f"{len(near_t)}, {near_unproven} unproven in {SOLVER_TIME_LIMIT:g} s"),
        Figure("planner: same, 4× balances and spend, monthly caps binding (median)", big * 1_000, "ms",
               baseline=base * 1_000,
               note=f"max {max(big_t) * 1_000:.0f} ms; integer program needed in {big_ip} of {len(big_t)}"),
    ]


def run() -> list[Figure]:
    return time_figures()
