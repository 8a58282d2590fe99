"""The planner is exact: it matches brute-force enumeration on generated instances."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.amazon import AmazonWallet, GiftLot
from advisor.business_days import Calendar
from advisor.model import Campaign, Exit, Spend
from advisor.plan import plan_amazon_cover
from advisor.search import Item, Option, shortfall_of, solve
from pointexit.clock import JST
from tests.advisor_brute import brute_force, forward_shortfall

SEEN = datetime(2026, 11, 20, 9, 0, tzinfo=JST)
EXACT = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- the search alone, on abstract items ----------------------------------------------------

@st.composite
def abstract_problems(draw):
    n = draw(st.integers(1, 3))
    needs = draw(st.lists(st.integers(0, 900), min_size=n, max_size=n))
    sites = ["a", "b", "c"][:draw(st.integers(1, 3))]
    balances = {s: draw(st.integers(0, 1200)) for s in sites}
    keys = ["k1", "k2"]
    limits = {k: draw(st.integers(0, 800)) for k in keys}
    items = []
    for _ in range(draw(st.integers(1, 5))):
        site = draw(st.sampled_from(sites))
        lot_pts = draw(st.sampled_from([100, 150, 300]))
        lot_yen = draw(st.integers(lot_pts - 30, lot_pts + 30))
        fee = draw(st.sampled_from([0, 0, 20]))
        value = draw(st.sampled_from([Fraction(1), Fraction(1, 2)]))
        key = draw(st.sampled_from([None, "k1", "k2"]))
        kmin = draw(st.integers(1, 2))
        options = []
        for k in range(kmin, kmin + draw(st.integers(1, 3))):
            pts = k * lot_pts + fee
            uses = ((key, k * lot_pts),) if key else ()
            options.append(Option(k * lot_yen, pts * value, pts, uses))
        items.append(Item(site=site, cls=draw(st.integers(0, n - 1)), options=options))
    return needs, items, balances, limits


def brute_items(needs, items, balances, limits):
    best = None
    for pick in itertools.product(*[[None] + it.options for it in items]):
        left = dict(balances)
        room = dict(limits)
        gift = [0] * len(needs)
        cost = Fraction(0)
        for it, o in zip(items, pick):
            if o is None:
                continue
            left[it.site] -= o.points
            for k, a in o.uses:
                room[k] -= a
            gift[it.cls] += o.yen
            cost += o.cost
        if any(v < 0 for v in left.values()) or any(v < 0 for v in room.values()):
            continue
        value = (shortfall_of(needs, gift)[0], cost)
        best = value if best is None or value < best else best
    return best


@EXACT
@given(abstract_problems())
def test_search_matches_brute_force_on_abstract_items(problem):
    needs, items, balances, limits = problem
    expected = brute_items(needs, items, balances, limits)
    result = solve(needs, [Item(i.site, i.cls, list(i.options)) for i in items], balances, limits)
    assert result.proven and (result.shortfall, result.cost) == expected


# --- the single-deadline dynamic program --------------------------------------------------

def _run_of_options(draw, value, lot_pts, lot_yen, fee, count, key=None):
    """Options k = 1..count lots, sometimes with a bent step (a chain's rounding),
    using k lots of a capped resource when `key` is given."""
    options = []
    bend = draw(st.sampled_from([None, None, 3, 4]))
    for k in range(1, count + 1):
        pts = k * lot_pts + fee + (10 if bend and k >= bend else 0)
        use = 1 if key and key[0] == "count" else k * lot_pts
        options.append(Option(k * lot_yen, pts * value, pts, ((key, use),) if key else ()))
    return options


@st.composite
def one_deadline_problems(draw, max_items=5, max_count=8, one_class=True, capped=False):
    n = draw(st.integers(1, 3))
    needs = draw(st.lists(st.integers(0, 2500), min_size=n, max_size=n))
    first = draw(st.integers(0, n - 1))
    sites = ["a", "b", "c"][:draw(st.integers(1, 3))]
    value = {s: draw(st.sampled_from([Fraction(1), Fraction(1, 2), Fraction(1, 10)])) for s in sites}
    balances = {s: draw(st.integers(0, 2000)) for s in sites}
    items = []
    for _ in range(draw(st.integers(1, max_items))):
        site = draw(st.sampled_from(sites))
        lot_pts = draw(st.sampled_from([100, 150, 297, 300]))
        lot_yen = draw(st.sampled_from([lot_pts - 20, lot_pts, lot_pts + 10, 300]))
        count = draw(st.integers(1, max_count))
        cls = first if one_class else draw(st.integers(first, n - 1))
        key = draw(st.sampled_from([None, ("month", site), ("day", site), ("count", site),
                                    ("month", "dotmoney")])) if capped else None
        items.append(Item(site, cls, _run_of_options(draw, value[site], lot_pts, lot_yen,
                                                     draw(st.sampled_from([0, 0, 20])), count, key)))
    if capped:
        limits = {key: draw(st.integers(1, 2) if key[0] == "count" else st.integers(0, 1500))
                  for it in items for o in it.options for key, _ in o.uses}
        return needs, items, balances, limits
    return needs, items, balances


@EXACT
@given(one_deadline_problems())
def test_one_deadline_program_matches_brute_force(problem):
    from advisor.one_deadline import solve_one_deadline

    needs, items, balances = problem
    assert solve_one_deadline(needs, items, balances) is not None or sum(needs[items[0].cls:]) == 0
    expected = brute_items(needs, items, balances, {})
    result = solve(needs, [Item(i.site, i.cls, list(i.options)) for i in items], balances, {})
    assert result.proven and (result.shortfall, result.cost) == expected


@EXACT
@given(one_deadline_problems(one_class=False))
def test_relaxation_answer_is_exact_when_it_arrives_in_time(problem):
    # Exchanges reaching different spends: the program answers only when its
    # relaxation's plan also works with the real arrival dates, and is then exact.
    from advisor.one_deadline import solve_one_deadline

    needs, items, balances = problem
    expected = brute_items(needs, items, balances, {})
    quick = solve_one_deadline(needs, [Item(i.site, i.cls, list(i.options)) for i in items], balances)
    if quick is not None:
        assert (quick.shortfall, quick.cost) == expected
    result = solve(needs, [Item(i.site, i.cls, list(i.options)) for i in items], balances, {})
    assert result.proven and (result.shortfall, result.cost) == expected


@EXACT
@given(one_deadline_problems(one_class=False, capped=True))
def test_relaxation_answer_is_exact_when_it_keeps_the_caps(problem):
    from advisor.one_deadline import solve_one_deadline

    needs, items, balances, limits = problem
    expected = brute_items(needs, items, balances, limits)
    copy = lambda: [Item(i.site, i.cls, list(i.options)) for i in items]  # noqa: E731
    quick = solve_one_deadline(needs, copy(), balances, limits)
    if quick is not None:
        assert (quick.shortfall, quick.cost) == expected
    result = solve(needs, copy(), balances, limits)
    assert result.proven and (result.shortfall, result.cost) == expected


def test_relaxation_too_late_for_the_near_spend_is_declined():
    from advisor.one_deadline import solve_one_deadline

    # 320 pt buy one exchange: the cheaper one arrives after the ¥300 spend.
    late = Item("a", 1, [Option(300, Fraction(300), 300)])
    early = Item("a", 0, [Option(300, Fraction(310), 310)])
    assert solve_one_deadline([300, 100], [late, early], {"a": 320}) is None
    result = solve([300, 100], [late, early], {"a": 320}, {})
    assert (result.shortfall, result.cost, [it.cls for it, _ in result.chosen]) == (100, 310, [0])
    # With the near spend gone, the cheaper late exchange is the answer.
    quick = solve_one_deadline([0, 100], [late, early], {"a": 320})
    assert (quick.shortfall, quick.cost) == (0, 300)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_deadline_problems(max_items=12, max_count=40))
def test_one_deadline_program_matches_the_integer_program(problem):
    # Too large for brute force: the two exact methods must agree.
    needs, items, balances = problem
    copy = lambda: [Item(i.site, i.cls, list(i.options)) for i in items]  # noqa: E731
    dp = solve(needs, copy(), balances, {})
    mip = solve(needs, copy(), balances, {}, one_deadline=False)
    assert mip.proven and (dp.shortfall, dp.cost) == (mip.shortfall, mip.cost)


@pytest.mark.parametrize("lots", range(1, 13))
def test_one_deadline_program_reaches_every_count_of_a_long_run(lots):
    # One exit, 1..12 lots of 300 pt → ¥300 (+20 pt fee): a need of `lots` × ¥300
    # costs exactly that many lots; a second site at a worse rate is the only
    # other way (the run's counts are added in parts 1, 2, 4, …).
    run = [Option(300 * k, Fraction(300 * k + 20), 300 * k + 20) for k in range(1, 13)]
    worse = [Option(100 * k, Fraction(110 * k), 110 * k) for k in range(1, 40)]
    result = solve([300 * lots], [Item("a", 0, run), Item("b", 0, worse)], {"a": 5000, "b": 5000}, {})
    assert (result.shortfall, result.cost) == (0, 300 * lots + 20)
    assert [o.yen for _, o in result.chosen] == [300 * lots]


def test_one_deadline_program_declines_what_it_cannot_solve():
    from advisor.one_deadline import solve_one_deadline

    day = ("day", "a", 0)
    capped = [Item("a", 0, [Option(300, Fraction(300), 300, ((day, 300),))])]
    assert solve_one_deadline([500, 500], capped, {"a": 1000}) is None  # caps it cannot check
    # Within the cap the relaxation's plan is the answer; breaking it, it is not.
    assert solve_one_deadline([300], capped, {"a": 1000}, {day: 300}).cost == 300
    # A cap of the site's own, used as its points: kept exactly.
    twice = capped + [Item("a", 0, [Option(300, Fraction(300), 300, ((day, 300),))])]
    quick = solve_one_deadline([600], twice, {"a": 1000}, {day: 300})
    assert (quick.shortfall, quick.cost, len(quick.chosen)) == (300, 300, 1)
    # A cap two sites share (an intermediary's) is only checked: the cheapest
    # plan breaks it, so the integer program answers.
    shared = ("month", "dotmoney", 2027, 1)
    both = [Item(site, 0, [Option(300, Fraction(300), 300, ((shared, 300),))]) for site in "ab"]
    assert solve_one_deadline([600], both, {"a": 1000, "b": 1000}, {shared: 300}) is None
    result = solve([600], both, {"a": 1000, "b": 1000}, {shared: 300})
    assert (result.shortfall, result.cost, result.method) == (300, 300, "integer program")
    mixed_value = [Item("a", 0, [Option(300, Fraction(300), 300)]),
                   Item("a", 0, [Option(300, Fraction(150), 300)])]
    assert solve_one_deadline([500, 500], mixed_value, {"a": 1000}) is None
    # Costs near the int64 range are left to the integer program's exact re-check.
    huge = [Item("a", 0, [Option(300, Fraction(2**61), 2**61)])]
    assert solve_one_deadline([300], huge, {"a": 2**62}) is None


def test_search_prefers_cheaper_cover_over_greedy_rate():
    # Need 600: the best-rate item has lots of 500 (two lots = 1,000 pt), but
    # 2 × 300 at a slightly worse rate covers exactly and costs less.
    items = [Item("a", 0, [Option(500, Fraction(490), 490), Option(1000, Fraction(980), 980)]),
             Item("b", 0, [Option(300, Fraction(300), 300), Option(600, Fraction(600), 600)])]
    result = solve([600], items, {"a": 5000, "b": 5000}, {})
    assert (result.shortfall, result.cost) == (0, 600)


def test_gift_serves_only_later_spends():
    assert shortfall_of([100, 100], [0, 300]) == (100, [100, 0])
    assert shortfall_of([100, 100], [300, 0]) == (0, [0, 0])
    assert forward_shortfall([(date(2026, 12, 1), 100)], [(date(2026, 12, 1), 100)]) == 100


# --- the whole planner against day-by-day enumeration ---------------------------------------

@st.composite
def instances(draw):
    today = draw(st.sampled_from([date(2026, 11, 23), date(2026, 12, 25), date(2027, 4, 27),
                                  date(2026, 11, 27)]))
    origins = ["hapitas", "moppy"][:draw(st.integers(1, 2))]
    exits, balances, cap_used, lapses = [], {}, {}, {}
    for site in origins:
        step = draw(st.sampled_from([100, 300, 500]))
        value = draw(st.sampled_from([Fraction(1), Fraction(1, 2)]))
        pin = step if value == 1 else step * 2
        out = draw(st.sampled_from([step - 10, step, step + 20, step + 5, step + 5]))
        # Half lots of an odd rate make the site's rounding down show (and, with
        # all the balance exchanged, what the plan falls short by).
        step_points = draw(st.sampled_from([pin, pin // 2]))
        minimum = pin * draw(st.integers(1, 2))
        cap_kind = draw(st.sampled_from([None, None, "month", "day", "count"]))
        scope = draw(st.sampled_from(["exit", "site"]))
        exits.append(Exit(
            site, "amazon_gift", f"{site} Amazon", pin, out,
            minimum_points=minimum, step_points=step_points,
            fee_points=draw(st.sampled_from([0, 0, 10])), lag_max_days=draw(st.integers(0, 4)),
            source_url=f"https://{site}.example/exchange", seen_at=SEEN, yen_per_point=value,
            monthly_cap_points=pin * 2 if cap_kind == "month" else None,
            daily_cap_points=pin * 2 if cap_kind == "day" else None,
            daily_exchanges=draw(st.sampled_from([1, 2])) if cap_kind == "count" else None,
            cap_scope=scope,
            # a largest single exchange below the balance: the same day's route again
            max_points=draw(st.sampled_from([None, None, minimum, minimum + step_points]))))
        balances[site] = draw(st.integers(0, 3)) * pin + draw(
            st.sampled_from([0, 10, 60, pin // 2, pin // 2 + 10, pin - 10]))
        if cap_kind == "month" and scope == "site" and draw(st.booleans()):
            cap_used[site] = draw(st.sampled_from([step_points, pin, pin * 2]))
        if draw(st.integers(0, 3)) == 0:
            lapses[site] = today + timedelta(days=draw(st.integers(0, 3)))
    if draw(st.booleans()):
        site = origins[0]
        exits.append(Exit(site, "dotmoney", "ドットマネー", 100, draw(st.sampled_from([100, 102])),
                          300, 100, 0, draw(st.integers(0, 2)), "https://x.example/dm", SEEN,
                          yen_per_point=exits[0].yen_per_point, leads_to="dotmoney"))
        # Whole lots of 297, or steps of 100 at 297 → 300: the gift hop rounds too.
        dm_step = draw(st.sampled_from([297, 100]))
        # Its caps, shared by the routes through it (a month's partly used).
        dm_cap = draw(st.sampled_from([None, None, None, "month", "day", "count"]))
        exits.append(Exit("dotmoney", "amazon_gift", "ドットマネー Amazon", 297, 300, 297, dm_step, 0,
                          draw(st.integers(0, 2)), "https://dm.example/amazon", SEEN,
                          max_points=draw(st.sampled_from([None, None, 300])),
                          monthly_cap_points=600 if dm_cap == "month" else None,
                          daily_cap_points=600 if dm_cap == "day" else None,
                          daily_exchanges=1 if dm_cap == "count" else None, cap_scope="site"))
        if dm_cap == "month" and draw(st.booleans()):
            cap_used["dotmoney"] = 300
        if draw(st.booleans()):
            # A second intermediary: origin → PeX → dot money → Amazon (three hops).
            site = origins[-1]
            exits.append(Exit(site, "pex", "PeX", 100, draw(st.sampled_from([100, 105])),
                              300, 100, 0, draw(st.integers(0, 1)), "https://x.example/pex", SEEN,
                              yen_per_point=next(e.yen_per_point for e in exits if e.site == site),
                              leads_to="pex"))
            exits.append(Exit("pex", "dotmoney", "PeX ドットマネー", 100, draw(st.sampled_from([100, 99])),
                              200, 50, 0, draw(st.integers(0, 1)), "https://pex.example/dm", SEEN,
                              leads_to="dotmoney"))
    n_days = 5
    # ¥x58 is what 1.5 lots at an odd rate give, rounded up: rounding must matter.
    spends = sorted(
        (Spend(today + timedelta(days=draw(st.integers(1, n_days))), draw(st.integers(1, 9)) * 100 - draw(st.sampled_from([0, 30, 42])))
         for _ in range(draw(st.integers(1, 3)))), key=lambda s: s.on)
    campaigns = []
    # Up to three, possibly on one exit and overlapping: a capped one's next best.
    for k in range(draw(st.sampled_from([0, 0, 1, 1, 2, 3]))):
        e = draw(st.sampled_from(exits))
        start = today + timedelta(days=draw(st.integers(0, 4)))
        campaigns.append(Campaign(
            e.site, e.destination, f"増量{k}", draw(st.sampled_from(["bonus", "discount"])),
            draw(st.sampled_from([100, 500, 1000])), start,
            start + timedelta(days=draw(st.integers(0, 3))), "https://c.example", SEEN,
            cap_points=draw(st.sampled_from([None, e.step, 2 * e.step])),
            first_come=draw(st.booleans())))
    lots = []
    if draw(st.booleans()):
        lots.append(GiftLot(draw(st.integers(0, 600)), today + timedelta(days=draw(st.integers(0, 8))),
                            today + timedelta(days=draw(st.integers(0, 3))) if draw(st.booleans()) else None))
    return (exits, balances, spends, today, campaigns, AmazonWallet(gift_lots=tuple(lots)),
            cap_used, lapses)


@EXACT
@given(instances())
def test_plan_matches_brute_force_day_by_day(instance):
    exits, balances, spends, today, campaigns, amazon, cap_used, lapses = instance
    calendar = Calendar()
    plan = plan_amazon_cover(exits, balances, spends, today, calendar, campaigns=campaigns, amazon=amazon,
                             cap_used=cap_used, available_until=lapses)
    expected = brute_force(exits, balances, spends, today, campaigns, calendar, amazon,
                           available_until=lapses, cap_used=cap_used)
    assert plan.proven and (plan.shortfall, plan.cost) == expected
    assert sum(y for _, y in plan.uncovered) == plan.shortfall
    assert sum(s.cost for s in plan.steps) == plan.cost


def test_cheaper_chain_beats_capped_direct_exit_on_a_holiday():
    # Found by the property above. ¥100 on 11-24 and ¥600 on 11-25, today a
    # holiday Monday, 660 pt: 600 pt through dot money (arrives 11-24) pays the
    # ¥600 for 600 pt; the direct exit costs 610 pt for the same cover. ¥100
    # stays uncovered either way (660 pt cannot reach ¥700 in time).
    today = date(2026, 11, 23)
    exits = [
        Exit("hapitas", "amazon_gift", "hapitas Amazon", 300, 300, 300, 300, 10, 0,
             "https://hapitas.example/exchange", SEEN, daily_cap_points=600),
        Exit("hapitas", "dotmoney", "ドットマネー", 100, 100, 300, 100, 0, 0,
             "https://x.example/dm", SEEN, leads_to="dotmoney"),
        Exit("dotmoney", "amazon_gift", "ドットマネー Amazon", 297, 300, 297, 297, 0, 1,
             "https://dm.example/amazon", SEEN),
    ]
    spends = [Spend(date(2026, 11, 24), 100), Spend(date(2026, 11, 25), 600)]
    calendar = Calendar()
    plan = plan_amazon_cover(exits, {"hapitas": 660}, spends, today, calendar)
    assert brute_force(exits, {"hapitas": 660}, spends, today, [], calendar) == (100, 600)
    assert plan.proven and (plan.shortfall, plan.cost) == (100, 600)
    assert plan.uncovered == [(date(2026, 11, 24), 100)]
    assert [(s.label, s.points, s.yen, s.apply_on) for s in plan.steps] == [
        ("ドットマネー → ドットマネー Amazon", 600, 600, today)]


def test_search_finds_the_cheaper_equal_cover():
    # The same case as items: covering ¥600 for 600 beats 610. HiGHS 1.16,
    # given the first stage's answer as a MIP start, declared that 610 optimal.
    day = [(("day", "direct", 0), 300), (("day", "direct", 0), 600)]
    items = [Item("h", 0, [Option(300, Fraction(310), 310, (day[0],)),
                           Option(600, Fraction(610), 610, (day[1],))]),
             Item("h", 1, [Option(300, Fraction(300), 300), Option(600, Fraction(600), 600)]),
             Item("h", 1, [Option(300, Fraction(310), 310, ((("day", "direct", 1), 300),)),
                           Option(600, Fraction(610), 610, ((("day", "direct", 1), 600),))])]
    limits = {("day", "direct", 0): 600, ("day", "direct", 1): 600}
    result = solve([100, 600], items, {"h": 660}, limits)
    expected = brute_items([100, 600], items, {"h": 660}, limits)
    assert expected == (100, 600)
    assert result.proven and (result.shortfall, result.cost) == expected


# --- invariants on large instances ----------------------------------------------------------

@st.composite
def large_instances(draw):
    today = date(2026, 11, 23)
    exits, balances = [], {}
    dm = Exit("dotmoney", "amazon_gift", "ドットマネー Amazon", 297, 300, 297, 297, 0, 5,
              "https://dm.example/amazon", SEEN)
    exits.append(dm)
    for k in range(draw(st.integers(3, 6))):
        site = f"site{k}"
        step = draw(st.sampled_from([100, 300, 490, 500, 1000]))
        value = draw(st.sampled_from([Fraction(1), Fraction(1, 2), Fraction(1, 10)]))
        pin = int(step / value)
        exits.append(Exit(
            site, "amazon_gift", f"{site} Amazon", pin, draw(st.sampled_from([step, step + 10, step - 10])),
            pin * draw(st.integers(1, 3)), pin, draw(st.sampled_from([0, 0, pin // 10])),
            draw(st.integers(0, 10)), f"https://{site}.example/x", SEEN, yen_per_point=value,
            monthly_cap_points=draw(st.sampled_from([None, None, pin * 10])),
            cap_scope=draw(st.sampled_from(["exit", "site"]))))
        if draw(st.booleans()):
            exits.append(Exit(site, "dotmoney", "ドットマネー", pin, step, pin * 3, pin, 0,
                              draw(st.integers(0, 5)), f"https://{site}.example/dm", SEEN,
                              yen_per_point=value, leads_to="dotmoney"))
        balances[site] = draw(st.integers(0, 40)) * pin + draw(st.integers(0, pin))
    spends = [Spend(today + timedelta(days=draw(st.integers(1, 360))), draw(st.integers(5, 100)) * 100,
                    draw(st.sampled_from([None, None, "abroad", "fashion"])))
              for _ in range(draw(st.integers(1, 12)))]
    campaigns = []
    for _ in range(draw(st.integers(0, 4))):
        e = draw(st.sampled_from(exits))
        start = today + timedelta(days=draw(st.integers(0, 200)))
        campaigns.append(Campaign(e.site, e.destination, f"c{len(campaigns)}", "bonus",
                                  draw(st.sampled_from([100, 300, 1000])), start,
                                  start + timedelta(days=draw(st.integers(0, 14))), "u", SEEN,
                                  cap_points=draw(st.sampled_from([None, e.step * 5])),
                                  first_come=draw(st.booleans())))
    lots = tuple(GiftLot(draw(st.integers(0, 3000)), today + timedelta(days=draw(st.integers(0, 400))))
                 for _ in range(draw(st.integers(0, 3))))
    return exits, balances, spends, today, campaigns, AmazonWallet(gift_lots=lots)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(large_instances())
def test_plan_invariants_on_large_instances(instance):
    from advisor.amazon import cover_from_balances
    from advisor.routes import find_routes, run_route

    exits, balances, spends, today, campaigns, amazon = instance
    plan = plan_amazon_cover(exits, balances, spends, today, campaigns=campaigns, amazon=amazon,
                             time_limit=2.0)
    by_label = {(e.site, e.label): e for e in exits}
    used: dict[str, int] = {}
    monthly: dict[tuple, int] = {}
    for s in plan.steps:
        first = by_label[(s.site, s.hops[0][0])]
        assert first.valid_amount(s.hops[0][1])  # minimum, step, caps
        for (label, points, _), site in zip(s.hops[1:], s.route[1:]):
            assert by_label[(site, label)].valid_amount(points)
        assert s.arrives_by < s.for_spend and s.apply_on <= s.apply_by
        used[s.site] = used.get(s.site, 0) + s.points + s.fee_points
        if first.monthly_cap_points:
            key = (first.site if first.cap_scope == "site" else first.key, s.apply_on.year, s.apply_on.month)
            monthly[key] = monthly.get(key, 0) + s.hops[0][1]
            assert monthly[key] <= first.monthly_cap_points
    for site, points in used.items():
        assert points <= balances[site] and plan.left[site] == balances[site] - points

    # Minimal (when proven optimal; a plan cut by the time limit is only feasible):
    # dropping any step, or one step of a direct exchange, leaves more uncovered.
    cover = cover_from_balances(spends, amazon)
    needs = [(s.on, s.yen) for s in cover.residual]
    gifts = [(s.arrives_by, s.yen) for s in plan.steps]
    assert forward_shortfall(needs, gifts) == plan.shortfall
    for i, s in enumerate(plan.steps if plan.proven else []):
        rest = gifts[:i] + gifts[i + 1:]
        assert forward_shortfall(needs, rest) > plan.shortfall
        first = by_label[(s.site, s.hops[0][0])]
        smaller = s.hops[0][1] - first.step
        if len(s.route) == 2 and smaller >= first.floor and not s.campaigns:
            route = [r for r in find_routes([first], {s.site})][0]
            fewer = run_route(route, smaller, (None,)).yen
            assert forward_shortfall(needs, rest + [(s.arrives_by, fewer)]) > plan.shortfall

    # Nothing the user holds on Amazon expires while a spend it could pay goes uncovered.
    for label, left, expires in cover.unused:
        for spend in cover.residual:
            lot = next(l for l in amazon.gift_lots if label.startswith(l.label) and l.expires == expires)
            assert not (lot.arrives is None and spend.on <= lot.expires), (label, spend)


@settings(max_examples=60, deadline=None)
@given(instances())
def test_runs_up_to_keeps_each_gift_amounts_smallest_exchange(instance):
    # The planner finds a chain's runs by bisection over its first-hop amounts,
    # keeping the pipes it ran on the way: running every amount must agree.
    from advisor.plan import best_campaign
    from advisor.routes import find_routes, hop_out, run_route, runs_up_to

    exits, balances, _spends, today, campaigns, _amazon, _cap_used, _lapses = instance
    for route in find_routes(exits, set(balances)):
        camps = tuple(best_campaign(h, today, campaigns) for h in route.hops)
        caps = tuple(c.cap_points if c is not None else None for c in camps)
        budget, first = balances[route.origin], route.hops[0]
        expected, best, amount = [], 0, first.floor
        while amount <= first.largest and hop_out(first, amount, camps[0], caps[0])[1] <= budget:
            run = run_route(route, amount, camps, caps)
            if run is not None and run.yen > best:
                expected.append(run)
                best = run.yen
            amount += first.step
        got = runs_up_to(route, budget, camps, caps)
        assert [(r.points, r.yen, r.hops, r.leftover) for r in got] == \
            [(r.points, r.yen, r.hops, r.leftover) for r in expected]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_deadline_problems(one_class=False, capped=True))
def test_greedy_cover_is_a_feasible_plan(problem):
    from advisor.search import greedy_cover

    needs, items, balances, limits = problem
    picked = greedy_cover(needs, items, balances, limits)
    spent, used = {}, {}
    for i, k in picked.items():
        o = items[i].options[k]
        spent[items[i].site] = spent.get(items[i].site, 0) + o.points
        for key, amount in o.uses:
            used[key] = used.get(key, 0) + amount
    assert all(spent[site] <= balances[site] for site in spent)
    assert all(used[key] <= limits[key] for key in used)


def test_a_plan_stopped_at_once_by_the_time_limit_is_still_a_plan():
    # A cap two sites share keeps this from the dynamic program; with no time
    # at all HiGHS returns the greedy start (feasible, covering), unproven,
    # with a valid (here trivial) lower bound instead of crashing on none.
    shared = ("month", "dotmoney", 2027, 1)
    items = [Item(site, c, [Option(300 * k, Fraction(300 * k + 10), 300 * k + 10, ((shared, 300 * k),))
                            for k in range(1, 30)])
             for site in "abcdef" for c in (0, 1)]
    balances = {site: 5_000 for site in "abcdef"}
    result = solve([4_000, 6_000], items, balances, {shared: 9_000}, time_limit=1e-9)
    assert result.method == "integer program" and result.shortfall < 10_000
    if not result.proven:
        assert result.cost_bound is None or 0 <= result.cost_bound <= result.cost


def test_a_first_stage_stopped_with_slack_coverage_gives_an_unproven_plan(monkeypatch):
    # Stopped by the time limit, HiGHS may hand back an answer whose coverage
    # variables have slack (the likely cause of a mismatch seen once on a
    # simulated year with Hapitas' monthly cap binding, under load; not
    # reproduced since). The second stage then needs only that much; the
    # plan it finds covers more than counted. Here: ¥500 to cover in ¥300
    # lots, the first stage's ¥500 cut to ¥400 as HiGHS might have left it.
    import advisor.search as search

    real_run = search._run
    calls = []

    def first_stage_with_slack(n_cols, costs, *args, **kwargs):
        x, proven = real_run(n_cols, costs, *args, **kwargs)
        calls.append(list(x))
        if len(calls) == 1:  # maximise coverage: the last column is the one spend's coverage
            assert x[-1] == 500
            x[-1], proven = 400.0, False
        return x, proven

    monkeypatch.setattr(search, "_run", first_stage_with_slack)
    items = [Item("a", 0, [Option(300, Fraction(300), 300), Option(600, Fraction(600), 600)])]
    result = solve([500], items, {"a": 1_000}, {}, one_deadline=False)
    assert len(calls) >= 2  # the second stage ran on the real solver
    assert (result.shortfall, result.cost, result.proven, result.cost_bound) == (0, 600, False, None)
    assert [o.yen for _, o in result.chosen] == [600]


def test_a_daily_cap_on_the_intermediary_gives_each_day_its_own_exchange():
    # ドットマネー → Amazon at most 600 a day: 1,200 pt through dot money pays
    # ¥1,200 four days out as two days' exchanges, as enumerating days finds.
    today = date(2026, 11, 24)
    exits = [Exit("hapitas", "dotmoney", "ドットマネー", 100, 100, 300, 100, 0, 0, "https://x.example/dm", SEEN,
                  leads_to="dotmoney"),
             Exit("dotmoney", "amazon_gift", "ドットマネー Amazon", 300, 300, 300, 300, 0, 0,
                  "https://dm.example/amazon", SEEN, daily_cap_points=600)]
    spends = [Spend(date(2026, 11, 28), 1_200)]
    plan = plan_amazon_cover(exits, {"hapitas": 1_200}, spends, today)
    assert brute_force(exits, {"hapitas": 1_200}, spends, today, [], Calendar()) == (0, 1_200)
    assert plan.proven and (plan.shortfall, plan.cost) == (0, 1_200)
    assert len({s.apply_on for s in plan.steps}) == len(plan.steps) == 2
