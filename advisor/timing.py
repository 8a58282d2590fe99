"""Wait or exchange now: what the stored campaign history says about waiting.

Nothing here is per site: every estimate comes from the history of the exit
itself (how often its campaigns start, how large they are), and from the
history of its base rate (how often and how much it fell).

Model: campaigns on an exit start on any given day with probability q (the
share of observed days on which one started) and their bonus is drawn from
the bonuses seen. Someone holding points until a deadline W days away, who
exchanges as soon as a campaign is worth more than waiting further, expects
V(W) basis points of bonus, where V(0) = 0 and
    V(w) = q · E[max(b, V(w−1))] + (1 − q) · V(w−1).
The base rate falls on a given day with probability d (share of observed days
with a drop) by an average of L basis points, so waiting W days costs about
W · d · L. Advice is "wait until the deadline" only when the gain beats that
loss and the deadline is after today; an active campaign is taken when its
bonus is at least what waiting is worth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

PRECISION = 10**12  # estimates (not money) are kept as fractions of bounded size


@dataclass(frozen=True)
class PastCampaign:
    starts_on: date
    ends_on: date | None
    bonus_bp: int


@dataclass(frozen=True)
class RateChange:
    on: date
    change_bp: int  # negative: the base rate fell


@dataclass(frozen=True)
class History:
    """What was observed of one exit (site × destination) since `observed_since`."""

    observed_since: date
    campaigns: tuple[PastCampaign, ...] = ()
    rate_changes: tuple[RateChange, ...] = ()


@dataclass(frozen=True)
class WaitEstimate:
    days_observed: int
    start_chance: Fraction  # q, per day
    bonuses_bp: tuple[int, ...]
    drop_chance: Fraction  # d, per day
    mean_drop_bp: Fraction  # L
    expected_bonus_bp: Fraction  # V(W)
    expected_loss_bp: Fraction  # W · d · L
    days_left: int

    @property
    def gain_bp(self) -> Fraction:
        return self.expected_bonus_bp - self.expected_loss_bp


def waiting_value(days: int, start_chance: Fraction, bonuses_bp: tuple[int, ...]) -> Fraction:
    """V(days): expected bonus (bp) of waiting for the best campaign to come."""
    if not bonuses_bp or start_chance <= 0 or days <= 0:
        return Fraction(0)
    v = Fraction(0)
    n = len(bonuses_bp)
    for _ in range(days):
        take = sum((max(Fraction(b), v) for b in bonuses_bp), Fraction(0)) / n
        v = (start_chance * take + (1 - start_chance) * v).limit_denominator(PRECISION)
    return v


def estimate(history: History, today: date, days_left: int) -> WaitEstimate:
    observed = max((today - history.observed_since).days, 1)
    starts = [c for c in history.campaigns if history.observed_since <= c.starts_on <= today]
    q = Fraction(len(starts), observed)
    bonuses = tuple(c.bonus_bp for c in starts)
    drops = [r for r in history.rate_changes if r.change_bp < 0
             and history.observed_since <= r.on <= today]
    d = Fraction(len(drops), observed)
    mean_drop = Fraction(sum(-r.change_bp for r in drops), len(drops)) if drops else Fraction(0)
    return WaitEstimate(
        days_observed=observed, start_chance=q, bonuses_bp=bonuses, drop_chance=d,
        mean_drop_bp=mean_drop, expected_bonus_bp=waiting_value(days_left, q, bonuses),
        expected_loss_bp=days_left * d * mean_drop, days_left=days_left)


def should_wait(history: History | None, today: date, deadline: date, bonus_now_bp: int = 0) -> tuple[bool, WaitEstimate | None]:
    """Wait past today only if the deadline allows and waiting is worth more."""
    days_left = (deadline - today).days
    if history is None or days_left <= 0:
        return False, None
    est = estimate(history, today, days_left)
    return est.gain_bp > bonus_now_bp, est


def history_from_campaigns(campaigns, observed_since: date, rate_changes=()) -> History:
    """A History from campaign-like records (starts_on, ends_on, bonus_bp); the
    observation starts at the earlier of `observed_since` and the first campaign."""
    past = tuple(sorted((PastCampaign(c.starts_on, c.ends_on, c.bonus_bp) for c in campaigns
                         if c.starts_on is not None), key=lambda c: c.starts_on))
    since = min([observed_since] + [c.starts_on for c in past])
    return History(since, past, tuple(rate_changes))
