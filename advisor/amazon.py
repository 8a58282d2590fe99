"""Amazon.co.jp's side: gift lots, Amazon Points, Associates payouts, and
covering the planned spend from what the user already holds.

Rules (see the reference notes):
- gift cards issued on or after 2017-04-24 are valid 10 years from issue;
- Amazon Points lapse one year after the later of the last order and the last
  point earned, all at once (rolling); every order restarts the year;
- time-limited points lapse on their own date whatever the orders;
- Associates commissions are paid as gift cards from ¥500 of earnings, about
  six weeks after the month earned (September's in mid-November);
- AmazonGlobal orders add international shipping (about 15 % of the cart),
  payable from gift balance.
"""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from advisor.model import Spend

GIFT_VALIDITY_YEARS = 10
ASSOCIATES_MIN_GIFT_YEN = 500
ASSOCIATES_DELAY = timedelta(weeks=6)
ABROAD_SHIPPING_SHARE = Fraction(15, 100)


@dataclass(frozen=True)
class GiftLot:
    """Gift balance: `yen` usable from `arrives` (None: already there) to `expires`."""

    yen: int
    expires: date
    arrives: date | None = None
    label: str = "ギフト残高"
    earned: bool = False  # counted from Associates earnings, not a card the user listed


@dataclass(frozen=True)
class AmazonPoints:
    points: int
    last_order: date | None = None
    last_earned: date | None = None


@dataclass(frozen=True)
class TimedPoints:
    """Time-limited Amazon points (期間限定): their own expiry, no extension."""

    points: int
    expires: date


TIMED_POINTS = "期間限定ポイント"


def timed_points_label(points: int) -> str:
    """Time-limited points as the warnings name them: in points, not yen
    (they pay like yen but are not gift balance, and the account shows pt)."""
    return f"{TIMED_POINTS} {points:,}pt"


@dataclass(frozen=True)
class AmazonWallet:
    gift_lots: tuple[GiftLot, ...] = ()
    points: AmazonPoints | None = None
    timed_points: tuple[TimedPoints, ...] = ()
    # How Amazon Points are used against the spend: "by_expiry" (with the gift
    # lots, soonest-expiring first), "last" (after gift), "never" (kept apart,
    # e.g. if the user finds they cannot be combined with a gift payment).
    points_use: str = "by_expiry"
    abroad_shipping_share: Fraction = ABROAD_SHIPPING_SHARE


def add_years(d: date, years: int) -> date:
    """Same day `years` later; 29 February becomes 28 February (the earlier day)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def amazon_points_expiry(last_order: date | None, last_earned: date | None) -> date | None:
    """One year after the later of the last order and the last point earned."""
    latest = max((d for d in (last_order, last_earned) if d is not None), default=None)
    return add_years(latest, 1) if latest else None


def month_end(d: date) -> date:
    return d.replace(day=_cal.monthrange(d.year, d.month)[1])


def associates_gift_lots(earnings: list[tuple[date, int]], validity_years: int = GIFT_VALIDITY_YEARS,
                         delay: timedelta = ASSOCIATES_DELAY,
                         minimum: int = ASSOCIATES_MIN_GIFT_YEN) -> list[GiftLot]:
    """Monthly Associates earnings → gift lots: paid when the running total
    reaches the minimum, `delay` after the month ends, valid `validity_years`."""
    lots = []
    carried = 0
    for month, yen in sorted(earnings):
        carried += yen
        if carried >= minimum:
            arrives = month_end(month) + delay
            lots.append(GiftLot(carried, add_years(arrives, validity_years), arrives,
                                f"アソシエイト {month:%Y-%m} 分", earned=True))
            carried = 0
    return lots


def amount_due(spend: Spend, shipping_share: Fraction = ABROAD_SHIPPING_SHARE) -> int:
    """Yen the gift balance must pay for a spend: AmazonGlobal adds shipping."""
    if spend.tag == "abroad":
        return spend.yen + -(-spend.yen * shipping_share.numerator // shipping_share.denominator)
    return spend.yen


@dataclass
class Cover:
    """What existing Amazon balances cover, and what is left for exchanges."""

    residual: list[Spend]  # need still open per spend date (merged), yen
    used: list[tuple[date, str, int]] = field(default_factory=list)  # (spend, source, yen)
    unused: list[tuple[str, int, date | None]] = field(default_factory=list)  # gift: (source, yen left, expiry)
    timed_unused: list[tuple[int, date]] = field(default_factory=list)  # time-limited: (points left, expiry)
    points_expiry: date | None = None  # Amazon Points' rolling expiry after the plan's orders
    points_left: int = 0


@dataclass
class _Lot:
    label: str
    yen: int
    arrives: date | None
    expires: date | None  # None: Amazon Points, rolling
    rank: int  # tie order: time-limited points, gift, Amazon Points
    timed: bool = False


def cover_from_balances(spends: list[Spend], wallet: AmazonWallet) -> Cover:
    """Use what the user already holds first, soonest-expiring first.

    Spends are served in date order, each from the available lot (arrived
    before the spend day, not expired on it) that expires first. For lots
    with arrival and expiry dates this earliest-deadline rule covers the most
    yen, and covering earlier spends first leaves the exchanges the easiest
    residual (every prefix of the residual is as small as it can be), so the
    exchange plan loses nothing by running after it.
    """
    lots: list[_Lot] = [_Lot(f"{TIMED_POINTS} (期限 {t.expires})", t.points, None, t.expires, 0, timed=True)
                        for t in wallet.timed_points]
    lots += [_Lot(g.label + (f" (期限 {g.expires})"), g.yen, g.arrives, g.expires, 1)
             for g in wallet.gift_lots]
    points = wallet.points
    expiry = amazon_points_expiry(points.last_order, points.last_earned) if points else None
    points_lot = None
    if points and points.points > 0 and wallet.points_use != "never":
        points_lot = _Lot("Amazonポイント", points.points, None, None, 2)
        lots.append(points_lot)

    merged: dict[date, int] = {}
    for s in spends:
        merged[s.on] = merged.get(s.on, 0) + amount_due(s, wallet.abroad_shipping_share)
    cover = Cover(residual=[])
    for on in sorted(merged):
        need = merged[on]
        points_alive = expiry is not None and on <= expiry

        def key(lot: _Lot):
            if lot.expires is not None:
                return (0, lot.expires, lot.rank)
            # Amazon Points: by their rolling date, or after every gift lot.
            # This spend is an order: what it leaves of them lapses a year
            # from it, not on the date the wallet's last order gave.
            return (1, date.max, 2) if wallet.points_use == "last" else (0, add_years(on, 1), 2)

        usable = sorted((lot for lot in lots if lot.yen > 0
                         and (lot.arrives is None or lot.arrives < on)
                         and (lot.expires is None and points_alive or lot.expires is not None
                              and on <= lot.expires)), key=key)
        for lot in usable:
            if need == 0:
                break
            take = min(need, lot.yen)
            lot.yen -= take
            need -= take
            cover.used.append((on, lot.label, take))
        if expiry is not None and on <= expiry:
            expiry = add_years(on, 1)  # the order restarts the year for all regular points
        if need:
            cover.residual.append(Spend(on, need))
    cover.unused = [(lot.label, lot.yen, lot.expires) for lot in lots if lot.yen > 0
                    and lot is not points_lot and not lot.timed]
    cover.timed_unused = [(lot.yen, lot.expires) for lot in lots if lot.yen > 0 and lot.timed]
    cover.points_expiry = expiry
    cover.points_left = points_lot.yen if points_lot else (points.points if points else 0)
    return cover
