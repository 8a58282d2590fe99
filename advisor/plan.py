"""A first plan: cover each planned Amazon spend from site balances.

Greedy by effective rate (yen of gift per yen of site points, fee included at
the amount exchanged), spends in date order. It is not yet optimal across
spends, but every step it proposes is valid: at least the minimum, whole
steps, fee and the site's monthly cap counted, never more than the balance,
and arriving (worst case of the crediting lag) before the spend date.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from advisor.business_days import Calendar
from advisor.model import Exit, Plan, Spend, Step


def effective_rate(exit: Exit, points: int | None = None) -> Fraction:
    """Gift yen per yen of site points spent, fee included."""
    points = points or exit.minimum_points or exit.step_points or exit.points_in
    cost = Fraction(points + exit.fee_points) * exit.yen_per_point
    return Fraction(exit.units_out(points)) / cost


def rate_text(rate: Fraction, places: int = 4) -> str:
    """Exact rate shown to `places` decimals (rounded half even, no float)."""
    from decimal import ROUND_HALF_EVEN, Decimal

    q = Decimal(rate.numerator) / Decimal(rate.denominator)
    return str(q.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN))


def points_to_cover(exit: Exit, yen: int, available: int) -> int | None:
    """Smallest valid amount yielding at least `yen`, else the largest valid
    amount the available points (after the fee) allow; None if none is valid."""
    step = exit.step_points or exit.points_in
    floor = exit.minimum_points or step
    need = -(-yen * exit.points_in // exit.value_out)
    want = max(floor, -(-need // step) * step)
    if floor % step:  # minimum off the step grid: first valid multiple above it
        want = max(want, -(-floor // step) * step)
    budget = available - exit.fee_points
    if want <= budget:
        return want
    largest = budget // step * step
    return largest if largest >= floor else None


def plan_amazon_cover(
    exits: list[Exit],
    balances: dict[str, int],
    spends: list[Spend],
    today: date,
    calendar: Calendar | None = None,
) -> Plan:
    calendar = calendar or Calendar()
    left = dict(balances)
    used_this_month: dict[str, int] = {}
    plan = Plan(left=left)
    gift_exits = sorted(
        (e for e in exits if e.destination == "amazon_gift" and e.site in left),
        key=lambda e: (-effective_rate(e), e.site),
    )
    for spend in sorted(spends, key=lambda s: s.on):
        need = spend.yen
        for ex in gift_exits:
            if need <= 0:
                break
            if ex.lag_max_days is None:
                plan.warnings.append(f"{ex.site}: crediting lag unknown, not planned")
                continue
            arrives = calendar.add_business_days(today, ex.lag_max_days)
            if arrives >= spend.on:
                continue
            available = left[ex.site]
            if ex.monthly_cap_points is not None:
                available = min(available, ex.monthly_cap_points - used_this_month.get(ex.site, 0)
                                + ex.fee_points)
            points = points_to_cover(ex, need, available)
            if not points:
                continue
            yen = ex.units_out(points)
            left[ex.site] -= points + ex.fee_points
            used_this_month[ex.site] = used_this_month.get(ex.site, 0) + points
            need -= yen
            plan.steps.append(Step(
                site=ex.site, label=ex.label, points=points, fee_points=ex.fee_points, yen=yen,
                apply_by=calendar.latest_start(spend.on, ex.lag_max_days), arrives_by=arrives,
                for_spend=spend.on, source_url=ex.source_url, seen_at=ex.seen_at,
            ))
            plan.reasons.append(
                f"{ex.site} {ex.label}: {ex.points_in}pt → {ex.value_out}円 "
                f"(gift yen per point-yen {rate_text(effective_rate(ex, points))}), "
                f"lag ≤ {ex.lag_max_days} business days"
            )
        if need > 0:
            plan.uncovered.append((spend.on, need))
            plan.warnings.append(f"spend on {spend.on}: ¥{need:,} cannot be covered in time")
    return plan
