"""The exchange plan: what to exchange, where, when and how much.

The objective (the one place it is written down)
================================================

Given today's date, the planned Amazon spends, the Amazon balances the user
holds, the site balances, the exits (with campaigns) and the Japanese
business-day calendar:

1. **Existing Amazon balances first.** Spends are served in date order from
   what the user holds, soonest-expiring first (`advisor.amazon.cover_from_balances`).
   What is left is the *residual need* r_j at spend date t_j. (Covering the
   earliest spends first leaves every prefix of the residual as small as it
   can be, so no exchange plan can do better by using the balances otherwise.)

2. **A plan** is a set of exchanges. An exchange is a route (one exit, or a
   chain through intermediaries run as a pipeline, see `advisor.routes`), the
   day its first hop is applied, and a valid first-hop amount. The days from
   today to the day before the last spend are cut into *slots*: maximal runs
   of days on which the route's hops see the same campaigns, the same
   calendar month (when a hop has a monthly cap), the same first spend their
   gift can reach, and — when any hop limits what a day takes — the same
   day. A plan uses a route at most once per slot and campaign variant —
   a capped campaign adds a variant with the next best campaign or none,
   down to the best uncapped one; a per-exchange maximum below the balance
   lets the slot be used as often as is of use —, applied on the slot's first
   day, and never after the day the origin site's points lapse. It is
   **feasible** when, summed over the whole plan:
   - no site gives more points (amount, minus discount, plus fee) than it holds;
   - every hop's amount is at least its minimum, in whole steps, within its
     per-exchange and per-day caps; per-month caps and per-day exchange counts
     hold per exit, or per site when the site's caps are shared by its exits;
   - an exchange either claims a campaign that is capped — its bonus or
     discount then counts on min(amount, cap) points — or does not, and the
     claims of the whole plan stay within the cap.
   An exchange's gift arrives on the worst case of every hop's lag, counted in
   business days, and can serve the spends dated after that day.

3. **Shortfall**: the yen of residual need that the plan's gift cannot cover
   in time (gift is fungible: a forward pass over the spends, carrying unused
   gift forward, covers the most).

4. **Cost**: the yen value of the points the plan spends — each origin site's
   points (fees included, discounts deducted) at that site's point value.
   Units a chain leaves behind on an intermediary are not credited: they
   expire there unless used (the plan warns about them), so a plan that
   leaves less behind is never worse.

The planner returns a feasible plan that minimises **(shortfall, cost)**
lexicographically: first cover as much of the need as can be covered in time,
then spend the least point value doing it. It is exact for this objective:
when no cap is involved and the exchanges reach their spends in time (the
usual case) `advisor.one_deadline` solves it by dynamic programming;
otherwise `advisor.search` states it as an integer program and solves it with
HiGHS. Tests compare both with brute-force enumeration and with each other. A
time limit guards the integer program: a plan stopped by it is still
feasible, and says it is unproven. Consequences the tests also check: no plan
exchanges more than a minimal cover (no exchange can lose a step and still
cover: that would cost less), and every step arrives before the spend it
serves. Ties are broken deterministically: the dynamic program keeps the
first plan found, taking sites best rate first; the integer program prefers
earlier slots.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from itertools import product

from advisor.amazon import AmazonWallet, cover_from_balances
from advisor.business_days import Calendar
from advisor.model import Campaign, Exit, Plan, Reason, Spend, Step
from advisor.routes import Route, Run, find_routes, runs_up_to
from advisor.search import Item, Option, solve

DAILY_SLOT_DAYS = 60
SOLVER_TIME_LIMIT = 3.0  # seconds; past it the best plan found is returned, flagged unproven  # exits limited per day: each of the first 60 days is its own slot


def effective_rate(exit: Exit, points: int | None = None) -> Fraction:
    """Gift yen per yen of site points spent, fee included."""
    points = points or exit.floor
    cost = Fraction(points + exit.fee_points) * exit.yen_per_point
    return Fraction(exit.units_out(points)) / cost


def rate_text(rate: Fraction, places: int = 4) -> str:
    """Exact rate shown to `places` decimals (rounded half even, no float)."""
    q = Decimal(rate.numerator) / Decimal(rate.denominator)
    return str(q.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN))


@dataclass(frozen=True)
class Slot:
    start: date
    end: date
    hop_days: tuple[date, ...]
    arrives: date
    cls: int  # first residual spend the gift can serve
    campaigns: tuple[Campaign | None, ...]


def hop_days(route: Route, day: date, calendar: Calendar) -> tuple[tuple[date, ...], date]:
    """Each hop's apply day and the worst-case arrival, first hop applied on `day`."""
    days = []
    d = day
    for h in route.hops:
        days.append(d)
        d = calendar.add_business_days(d, h.lag_max_days or 0, h.lag_counts_saturday)
    return tuple(days), d


def campaign_worth(c: Campaign) -> tuple[Fraction, str]:
    """How a campaign ranks: the exit's value per point it gives, as a factor.
    A bonus of b gives 1 + b; a discount of d gives 1 / (1 − d), more than a
    bonus of the same size (10 % off is 11.1 % more per point)."""
    bp = Fraction(c.bonus_bp, 10_000)
    return (1 / (1 - min(bp, Fraction(9_999, 10_000))) if c.kind == "discount" else 1 + bp), c.key


def best_campaign(exit: Exit, day: date, campaigns: list[Campaign]) -> Campaign | None:
    """The campaign worth most on this exit that day (one applies at a time)."""
    live = [c for c in campaigns if c.site == exit.site and c.destination == exit.destination
            and c.active_on(day) and c.bonus_bp > 0]
    return max(live, key=campaign_worth, default=None)


def _first_day(days: int, today: date, pred) -> int:
    """Smallest offset in [0, days) where the monotone predicate holds (days if none)."""
    lo, hi = 0, days
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(today + timedelta(days=mid)):
            hi = mid
        else:
            lo = mid + 1
    return lo


def binding_caps(route: Route, budget: int, used: int = 0) -> list[bool]:
    """Per hop: can its monthly cap bind, given what can flow through it at most
    (and, for the origin's shared cap, what was already exchanged this month)?"""
    if all(h.monthly_cap_points is None for h in route.hops):
        return [False] * len(route.hops)  # the usual case, without the Fractions below
    out = []
    flow = Fraction(budget)  # the origin's whole balance: what every route from it shares
    for i, h in enumerate(route.hops):
        # An intermediary's cap shared by its exits may bind on flows from other
        # origins too: always count it.
        shared = i > 0 and h.cap_scope == "site"
        room = h.monthly_cap_points - (used if i == 0 and h.cap_scope == "site" else 0) \
            if h.monthly_cap_points is not None else None
        out.append(room is not None and (shared or room < flow))
        flow = flow * h.value_out / h.points_in * 2  # ×2: any campaign bonus stays below this
    return out


def time_slots(route: Route, today: date, spend_dates: list[date], campaigns: list[Campaign],
               calendar: Calendar, budget: int | None = None, first_only: bool = False) -> list[Slot]:
    """Cut [today, last spend) into the route's slots (see the objective). A
    monthly cap that the budget cannot reach does not cut (it can never bind).
    `first_only`: the route has no campaigns and no caps that tell its slots apart."""
    if not spend_dates:
        return []
    days = (spend_dates[-1] - today).days
    if days <= 0:
        return []
    if first_only:
        # Later slots differ only in reaching later spends: the first one dominates.
        hd, arrives = hop_days(route, today, calendar)
        cls = bisect_right(spend_dates, arrives)
        if cls >= len(spend_dates):
            return []
        off = _first_day(days, today, lambda d: hop_days(route, d, calendar)[1] >= spend_dates[cls])
        return [Slot(today, today + timedelta(days=max(off, 1) - 1), hd, arrives, cls,
                     (None,) * len(route.hops))]
    cuts = {0}
    thresholds: list[list[date]] = []
    relevant = [c for c in campaigns if any(c.site == h.site and c.destination == h.destination
                                            for h in route.hops)]
    binding = binding_caps(route, budget) if budget is not None else [True] * len(route.hops)
    for i, h in enumerate(route.hops):
        th = set()
        for c in relevant:
            if c.site == h.site and c.destination == h.destination:
                if c.starts_on:
                    th.add(c.starts_on)
                if c.ends_on:
                    th.add(c.ends_on + timedelta(days=1))
        if h.monthly_cap_points is not None and binding[i]:
            m = date(today.year, today.month, 1)
            while m <= spend_dates[-1]:
                th.add(m)
                m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
        thresholds.append(sorted(th))
    for i, th in enumerate(thresholds):
        for t in th:
            if i == 0:
                off = (t - today).days
            else:
                off = _first_day(days, today, lambda d, i=i, t=t: hop_days(route, d, calendar)[0][i] >= t)
            if 0 < off < days:
                cuts.add(off)
    for t in spend_dates:
        off = _first_day(days, today, lambda d, t=t: hop_days(route, d, calendar)[1] >= t)
        if 0 < off < days:
            cuts.add(off)
    # A limit a day on any hop (an intermediary's too): each day is its own
    # slot, so exchanges on different days each get their day's room.
    if any(h.daily_cap_points is not None or h.daily_exchanges is not None for h in route.hops):
        cuts.update(range(1, min(days, DAILY_SLOT_DAYS)))
    offs = sorted(cuts) + [days]
    slots: list[Slot] = []
    for a, b in zip(offs, offs[1:]):
        start = today + timedelta(days=a)
        hd, arrives = hop_days(route, start, calendar)
        cls = bisect_right(spend_dates, arrives)
        if cls >= len(spend_dates):
            continue  # arrives after every spend
        camps = tuple(best_campaign(h, d, relevant) for h, d in zip(route.hops, hd))
        slots.append(Slot(start, today + timedelta(days=b - 1), hd, arrives, cls, camps))
    return slots


def campaign_variants(route: Route, slot: Slot, campaigns: list[Campaign]) -> list[tuple[Campaign | None, ...]]:
    """The campaigns an exchange in the slot can claim, per hop: the best
    (`slot.campaigns`) first; when it is capped, another exchange may claim the
    next best instead — down to the best uncapped one, or none — since the
    cap's points are soon used up and the rest still deserve the best rate left."""
    if all(c is None or c.cap_points is None for c in slot.campaigns):
        return [slot.campaigns]
    per_hop = []
    for h, d, best in zip(route.hops, slot.hop_days, slot.campaigns):
        if best is None or best.cap_points is None:
            per_hop.append([best])
            continue
        live = sorted((c for c in campaigns if c.site == h.site and c.destination == h.destination
                       and c.active_on(d) and c.bonus_bp > 0 and c is not best),
                      key=campaign_worth, reverse=True)
        choices: list[Campaign | None] = [best]
        for c in live:
            choices.append(c)
            if c.cap_points is None:
                break
        else:
            choices.append(None)
        per_hop.append(choices)
    return list(product(*per_hop))


def _scope(e: Exit):
    return e.site if e.cap_scope == "site" else e.key


def run_uses(run: Run, slot: Slot, binding: list[bool]) -> tuple[tuple[object, int], ...]:
    uses: list[tuple[object, int]] = []
    for (e, amount, _units, _charged, eligible), c, d, bind in zip(run.pipe, run.campaigns,
                                                                   slot.hop_days, binding):
        if e.monthly_cap_points is not None and bind:
            uses.append((("month", _scope(e), d.year, d.month), amount))
        if e.daily_cap_points is not None:
            uses.append((("day", _scope(e), d), amount))
        if e.daily_exchanges is not None:
            uses.append((("count", _scope(e), d), 1))
        if c is not None and c.cap_points is not None:
            uses.append((("campaign", c.key), eligible))
    return tuple(uses)


def run_costs(route: Route, runs: list[Run]) -> list[Fraction | int]:
    """Each run's cost: its points at the origin's point value, an int when
    whole (the usual case: 1 yen a point, or 10 points a yen in tens), which
    the solvers take as it is — a Fraction per option is slow to make."""
    value = route.hops[0].yen_per_point
    num, den = value.numerator, value.denominator
    out: list[Fraction | int] = []
    for r in runs:
        c = r.points * num
        out.append(c // den if c % den == 0 else Fraction(c, den))
    return out


def limits_for(items: list[Item], campaigns: list[Campaign], today: date | None = None,
               cap_used: dict[str, int] | None = None) -> dict[object, int]:
    """Every resource's limit; a site's shared monthly cap less what the user
    already exchanged this month (`cap_used`, from the wallet)."""
    caps: dict[object, int] = {}
    for it in items:
        route, _ = it.payload
        for o in it.options:
            for key, _amount in o.uses:
                kind = key[0]
                if kind == "campaign":
                    caps[key] = next(c.cap_points for c in campaigns if c.key == key[1])
                    continue
                e = next(h for h in route.hops if _scope(h) == key[1])
                caps[key] = {"month": e.monthly_cap_points, "day": e.daily_cap_points,
                             "count": e.daily_exchanges}[kind]
                if (kind == "month" and today is not None and key[1] in (cap_used or {})
                        and key[2:] == (today.year, today.month)):
                    caps[key] = max(0, caps[key] - cap_used[key[1]])
    return caps


def build_items(routes: list[Route], balances: dict[str, int], residual: list[Spend], today: date,
                campaigns: list[Campaign], calendar: Calendar,
                available_until: dict[str, date] | None = None,
                cap_used: dict[str, int] | None = None) -> list[Item]:
    dates = [s.on for s in residual]
    need = sum(s.yen for s in residual)
    items: list[Item] = []
    plain_slots: dict[tuple, list[Slot]] = {}
    for ri, route in enumerate(routes):
        budget = balances.get(route.origin, 0)
        if budget <= 0:
            continue
        seen: dict[tuple, int] = {}
        until = (available_until or {}).get(route.origin)
        binding = binding_caps(route, budget, (cap_used or {}).get(route.origin, 0))
        # Caps that make each slot's exchanges distinct (a per-exchange maximum
        # can make two exchanges in one slot's place worth having).
        distinct = any(h.max_points is not None or h.daily_cap_points is not None
                       or h.daily_exchanges is not None for h in route.hops) or any(
            b and h.monthly_cap_points is not None for h, b in zip(route.hops, binding))
        runs_for: dict[tuple, tuple[list[Run], list[Fraction | int]]] = {}
        plain = not distinct and not any(c.site == h.site and c.destination == h.destination
                                         for c in campaigns for h in route.hops)
        if plain:  # its one slot depends on the hops' lags alone: routes share them
            lags = tuple((h.lag_max_days, h.lag_counts_saturday) for h in route.hops)
            if lags not in plain_slots:
                plain_slots[lags] = time_slots(route, today, dates, campaigns, calendar, first_only=True)
            slots = plain_slots[lags]
        else:
            slots = time_slots(route, today, dates, campaigns, calendar, budget if not any(binding) else None)
        for slot in slots:
            if until is not None and slot.start > until:
                continue  # the site's points have lapsed by then
            variants = campaign_variants(route, slot, campaigns)
            for camps in variants:
                # An item whose route and campaigns match an earlier slot's and
                # that reaches no earlier spend (nor has caps of its own) adds
                # nothing: skip it before computing its runs.
                sig = tuple(c.key if c else None for c in camps)
                if not distinct and sig in seen and seen[sig] <= slot.cls:
                    continue
                seen.setdefault(sig, slot.cls)
                if sig not in runs_for:
                    caps = tuple(c.cap_points if c is not None else None for c in camps)
                    runs = runs_up_to(route, budget, camps, caps, yen_enough=need)
                    runs_for[sig] = runs, run_costs(route, runs)
                runs, costs = runs_for[sig]
                if not runs:
                    continue
                s = Slot(slot.start, slot.end, slot.hop_days, slot.arrives, slot.cls, camps)
                # Which resources a run uses depends on its route and slot, not its
                # amount: when the first uses none, none does (the usual case).
                counted = bool(run_uses(runs[0], s, binding))
                options = [Option(r.yen, c, r.points, run_uses(r, s, binding) if counted else (), r)
                           for r, c in zip(runs, costs)]
                # A per-exchange maximum does not stop a second application:
                # the slot offers as many exchanges as can be of use — each
                # takes at least the smallest run's points (a discount takes
                # off some), and a minimal plan's gift from one slot falls
                # short of the need by less than its smallest exchange —
                # within the exits' applications a day. It is of use when the
                # first hop's maximum is below what the balance pays for (more
                # than the balance under a discount), or a later hop has one
                # (one exchange's units are then capped there).
                repeat = 1
                first = route.hops[0]
                discount = camps[0] is not None and camps[0].kind == "discount"
                if (first.max_points is not None and (first.largest < budget or discount)) or any(
                        h.max_points is not None for h in route.hops[1:]):
                    repeat = min(budget // max(runs[0].points, 1), -(-need // runs[0].yen),
                                 first.daily_exchanges or budget)
                for _ in range(max(repeat, 1)):
                    items.append(Item(site=route.origin, cls=slot.cls, options=options,
                                      payload=(route, s), order_key=(slot.start, ri, len(variants))))
    return items


def route_label(route: Route) -> str:
    return " → ".join(h.label for h in route.hops)


def latest_apply(route: Route, spend_on: date, today: date, calendar: Calendar) -> date:
    """The last day to apply the first hop so the gift arrives before `spend_on`."""
    days = (spend_on - today).days
    off = _first_day(days, today, lambda d: hop_days(route, d, calendar)[1] >= spend_on)
    return today + timedelta(days=max(off - 1, 0))


def plan_amazon_cover(
    exits: list[Exit],
    balances: dict[str, int],
    spends: list[Spend],
    today: date,
    calendar: Calendar | None = None,
    *,
    campaigns: list[Campaign] = (),
    amazon: AmazonWallet | None = None,
    available_until: dict[str, date] | None = None,
    time_limit: float | None = SOLVER_TIME_LIMIT,
    cap_used: dict[str, int] | None = None,
) -> Plan:
    """The exact plan for the objective above, with its reasons and warnings."""
    calendar = calendar or Calendar()
    campaigns = list(campaigns)
    cover = cover_from_balances([s for s in spends if s.on >= today], amazon or AmazonWallet())
    plan = Plan(left=dict(balances))
    plan.covered_by_balance = cover.used
    residual = cover.residual
    for s in spends:
        if s.on < today:
            plan.warnings.append(f"{s.on} の予定は過去の日付です: 計画に入れていません")
    origins = {s for s, p in balances.items() if p > 0}
    routes = find_routes(exits, origins)
    items = build_items(routes, balances, residual, today, campaigns, calendar, available_until, cap_used)
    result = solve([s.yen for s in residual], items, dict(balances),
                   limits_for(items, campaigns, today, cap_used),
                   time_limit=time_limit)
    plan.shortfall, plan.cost, plan.proven = result.shortfall, result.cost, result.proven
    plan.cost_bound, plan.method = result.cost_bound, result.method
    if not result.proven:
        plan.warnings.append(f"計算を{time_limit:g}秒で打ち切りました: 有効なプランですが最適とは限りません")
    chosen = sorted(result.chosen, key=lambda io: (io[0].payload[1].start, io[0].cls,
                                                    route_label(io[0].payload[0])))
    serves = spend_served(residual, [(it.payload[1].arrives, it.cls, o.yen) for it, o in chosen])
    for (it, o), spend_index in zip(chosen, serves):
        route, slot = it.payload
        run: Run = o.payload
        spend_on = residual[spend_index].on
        plan.left[route.origin] -= run.points
        first = run.hops[0]
        claimed = [h for h in run.hops if h.campaign is not None and h.eligible]
        camps = tuple(h.campaign for h in claimed)
        apply_by = apply_deadline(route, slot, o, bool(camps), spend_on, today, calendar)
        lapse = (available_until or {}).get(route.origin)
        if lapse is not None:
            apply_by = min(apply_by, lapse)  # the points are gone after it (slots start by then)
        plan.steps.append(Step(
            site=route.origin, label=route_label(route), points=first.points,
            fee_points=first.exit.fee_points, yen=run.yen,
            apply_by=apply_by,
            arrives_by=slot.arrives, for_spend=spend_on,
            source_url=first.exit.source_url, seen_at=first.exit.seen_at, apply_on=slot.start,
            route=route.sites + (route.hops[-1].destination,),
            hops=tuple((h.exit.label, h.points, h.units) for h in run.hops),
            cost=Fraction(o.cost), leftover=tuple((h.exit.site, u) for h, u in zip(run.hops[1:], run.leftover) if u),
            campaigns=tuple(c.title for c in camps),
            uncertain=any(c.first_come for c in camps),
            sources=tuple((h.exit.source_url, h.exit.seen_at) for h in run.hops),
        ))
        plan.reasons.append(step_reason(route, run))
        for c, label in ((h.campaign, h.exit.label) for h in claimed):
            plan.reasons.append(Reason(
                f"キャンペーン「{c.title}」: {c.site_name or c.site} → {label} "
                f"{'増量' if c.kind == 'bonus' else '割引'} {Decimal(c.bonus_bp) / 100}%"
                + (f"、上限 {c.cap_points:,}{c.cap_unit}" if c.cap_points else "")
                + (f"、{c.starts_on}〜{c.ends_on}" if c.starts_on or c.ends_on else "")
                + ("、先着順のため終了が早まる可能性" if c.first_come else ""),
                c.source_url, c.seen_at))
    plan.steps = spread_daily_limits(plan.steps, [it.payload[0].hops[0] for it, _ in chosen])
    for (on, short) in zip([s.on for s in residual], result.uncovered):
        if short:
            plan.uncovered.append((on, short))
            plan.warnings.append(f"{on} の予定: ¥{short:,} が間に合いません（残高または交換日数が足りません）")
    return plan


def apply_deadline(route: Route, slot: Slot, option: Option, claims_campaign: bool, spend_on: date,
                   today: date, calendar: Calendar) -> date:
    """The last day to apply and still get what the plan counted on: the gift
    arriving before the spend, and — when the step claims a campaign or a
    binding monthly cap's room — within the slot those hold in (a campaign
    ends; next month's room is next month's)."""
    day = max(latest_apply(route, spend_on, today, calendar), slot.start)
    if claims_campaign or any(key[0] == "month" for key, _ in option.uses):
        day = min(day, slot.end)
    return day


def spread_daily_limits(steps: list[Step], firsts: list[Exit]) -> list[Step]:
    """Each step's last day to apply, made to leave room for the others where
    the first exit limits what a day takes — so many applications (PointIncome:
    one a day over all its exits) or so many points (「1日1,000ptまで」):
    latest deadline first, each takes the latest day still with room for it on
    or before its own, never before the day it is planned."""
    out = list(steps)
    limits: dict[int, list[tuple[object, int, int]]] = {}  # step → (key, room a day, its use)
    for i, e in enumerate(firsts):
        if e.daily_exchanges:
            limits.setdefault(i, []).append((("count", _scope(e), e.daily_exchanges), e.daily_exchanges, 1))
        if e.daily_cap_points:
            limits.setdefault(i, []).append((("day", _scope(e), e.daily_cap_points), e.daily_cap_points,
                                             out[i].points))
    taken: dict[tuple[object, date], int] = {}
    for i in sorted(limits, key=lambda i: (out[i].apply_by, out[i].apply_on), reverse=True):
        d = out[i].apply_by
        while any(taken.get((key, d), 0) + use > room for key, room, use in limits[i]) \
                and d > (out[i].apply_on or d):
            d -= timedelta(days=1)
        for key, _room, use in limits[i]:
            taken[(key, d)] = taken.get((key, d), 0) + use
        out[i] = replace(out[i], apply_by=d)
    return out


def spend_served(residual: list[Spend], gifts: list[tuple[date, int, int]]) -> list[int]:
    """For each gift (arrives, class, yen), the first spend it pays for when the
    earliest-arriving gift pays the earliest spends: its deadline is that spend's."""
    left = [s.yen for s in residual]
    out = [0] * len(gifts)
    for g in sorted(range(len(gifts)), key=lambda g: (gifts[g][0], gifts[g][1])):
        _, cls, yen = gifts[g]
        first = None
        for j in range(cls, len(left)):
            if yen <= 0:
                break
            if left[j] > 0:
                first = j if first is None else first
                take = min(left[j], yen)
                left[j] -= take
                yen -= take
        out[g] = cls if first is None else first
    return out


def step_reason(route: Route, run: Run) -> Reason:
    parts = []
    for h in run.hops:
        e = h.exit
        parts.append(f"{e.label}: {e.points_in:,}→{e.value_out:,}"
                     f" (最低{e.floor:,}・単位{e.step:,}"
                     + (f"・手数料{e.fee_points:,}" if e.fee_points else "")
                     + f"・{e.lag_text or f'{e.lag_max_days}営業日以内'})")
    first = run.hops[0].exit
    # A whole-amount discount takes no points at all: no rate to state.
    rate = rate_text(Fraction(run.yen) / (run.points * first.yen_per_point)) if run.points else "—"
    more = {}
    for h in run.hops[1:]:
        if h.exit.source_url != first.source_url:
            more.setdefault(h.exit.source_url, h.exit.seen_at)
    return Reason(" ／ ".join(parts) + f" → 実効 {rate} 円/円", first.source_url, first.seen_at,
                  tuple(more.items()))
