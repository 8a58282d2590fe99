"""Rules from the seeds, each a small exact function (yen and points are ints)."""

from __future__ import annotations

import calendar as _cal
from datetime import date
from fractions import Fraction


def round_half_even(x: Fraction) -> int:
    """Banker's rounding: halves go to the even neighbour (2.5 → 2, 3.5 → 4)."""
    x = Fraction(x)
    floor = x.numerator // x.denominator
    rest = x - floor
    if rest > Fraction(1, 2) or rest == Fraction(1, 2) and floor % 2:
        return floor + 1
    return floor


def landed_price(item_price: int, shipping: int, points: int) -> int:
    """What an offer really costs: item price + shipping − points given."""
    return item_price + shipping - points


def award_points(price: int, rate_bp: int) -> int:
    """Points a seller's rate gives on a price, rounded half to even."""
    return round_half_even(Fraction(price * rate_bp, 10_000))


def clawback(refund_share: Fraction, yen_paid: int, points_paid: int) -> tuple[int, int]:
    """A partial refund returns yen and points in proportion (10 % of ¥1,000 +
    200 pt → ¥100 and 20 pt), each rounded half to even."""
    share = Fraction(refund_share)
    if not 0 <= share <= 1:
        raise ValueError("refund share must be between 0 and 1")
    return round_half_even(yen_paid * share), round_half_even(points_paid * share)


def referral_fee(item_price: int, shipping: int, points: int, rate_bp: int) -> int:
    """Seller's fee: (price + shipping − points) × referral rate, e.g.
    (1,000 + 340 − 100) × 10 % = ¥124."""
    return round_half_even(Fraction(landed_price(item_price, shipping, points) * rate_bp, 10_000))


def add_months(d: date, months: int) -> date:
    """Same day `months` later, clipped to the month's last day (1/31 + 1 → 2/28)."""
    m = d.month - 1 + months
    year, month = d.year + m // 12, m % 12 + 1
    return date(year, month, min(d.day, _cal.monthrange(year, month)[1]))


def site_points_expiry(months: int, since: date) -> date:
    """The day a site's points lapse: `months` after the activity the rule counts from."""
    return add_months(since, months)
