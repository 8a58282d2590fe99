"""The advisor's plain data: what it is given and what it answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction


@dataclass(frozen=True)
class Exit:
    """One way out of a site, as the advisor needs it (exact integers)."""

    site: str
    destination: str
    label: str
    points_in: int  # points_in site points → value_out destination units
    value_out: int
    minimum_points: int | None
    step_points: int | None
    fee_points: int
    lag_max_days: int | None
    source_url: str
    seen_at: datetime
    yen_per_point: Fraction = Fraction(1)  # of the site's points
    lag_text: str | None = None
    monthly_cap_points: int | None = None
    stale: bool = False

    def valid_amount(self, points: int) -> bool:
        """Allowed exchange sizes: at least the minimum, in whole steps."""
        step = self.step_points or self.points_in
        return points >= (self.minimum_points or step) and points % step == 0

    def units_out(self, points: int) -> int:
        """Destination units received (sites round down)."""
        return points * self.value_out // self.points_in


@dataclass(frozen=True)
class Spend:
    on: date
    yen: int
    tag: str | None = None


@dataclass(frozen=True)
class Step:
    site: str
    label: str
    points: int  # exchanged (fee not included)
    fee_points: int
    yen: int
    apply_by: date  # last day to apply so it arrives before the spend
    arrives_by: date  # worst case if applied today
    for_spend: date
    source_url: str
    seen_at: datetime


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    left: dict[str, int] = field(default_factory=dict)  # site → points left
    uncovered: list[tuple[date, int]] = field(default_factory=list)  # (spend date, yen short)
    warnings: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
