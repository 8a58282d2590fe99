"""Stored observations → the advisor's plain inputs (the composition seam)."""

from __future__ import annotations

from fractions import Fraction

from advisor.model import Exit
from pointexit.catalog import DESTINATIONS
from storage.records import CurrentExit


def yen_per_site_point(e: CurrentExit) -> Fraction | None:
    """Yen value received per site point (None for non-money destinations)."""
    unit = DESTINATIONS.get(e.destination)
    if unit is None or unit.yen_per_unit is None:
        return None
    return Fraction(e.value_out, e.points_in) * unit.yen_per_unit


def return_rate(e: CurrentExit) -> Fraction | None:
    """Yen received per yen of site points, at the minimum exchange, fee included.

    This is what makes sites with 1 pt = ¥1 and 10 pt = ¥1 comparable.
    """
    per_point = yen_per_site_point(e)
    if per_point is None:
        return None
    points = e.minimum_points or e.step_points or e.points_in
    received = per_point * points
    cost = Fraction(points + e.fee_points) * Fraction(e.site_yen_num, e.site_yen_den)
    return received / cost


def to_advisor_exit(e: CurrentExit) -> Exit:
    return Exit(
        site=e.site, destination=e.destination, label=e.label, points_in=e.points_in,
        value_out=e.value_out, minimum_points=e.minimum_points, step_points=e.step_points,
        fee_points=e.fee_points, lag_max_days=e.lag_max_days, source_url=e.source_url,
        seen_at=e.last_seen, yen_per_point=Fraction(e.site_yen_num, e.site_yen_den),
        lag_text=e.lag_text, monthly_cap_points=e.monthly_cap_points, stale=e.stale,
    )
