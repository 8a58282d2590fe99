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

Points can leave a site by any of its exits, so the advisor (`advisor.advise`)
pools the campaigns of every exit of the sites holding points (`Stream`,
`campaign_chances`): each is valued by how much its route's rate beats the
rate the spend gets without a campaign, and a capped campaign counts only for
the share of the waiting spend its cap covers. `waiting_values` gives V(w)
for every w at once over such (chance, gain) kinds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from math import comb

PRECISION = 10**12  # estimates (not money) are kept as fractions of bounded size


@dataclass(frozen=True)
class PastCampaign:
    starts_on: date
    ends_on: date | None
    bonus_bp: int
    cap_points: int | None = None  # points of exchange eligible, over the campaign


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
    n = len(bonuses_bp)
    return waiting_values(days, [(start_chance / n, Fraction(b)) for b in bonuses_bp])[days]


def waiting_values(days: int, chances: list[tuple[Fraction, Fraction]]) -> list[Fraction]:
    """V(0), V(1), …, V(days) for campaigns that start on a day with chance p
    and are worth g (bp), one (p, g) per kind:
        V(w) = V(w−1) + Σ p · max(g − V(w−1), 0),
    which is the recursion above written per kind (q · E[max(b, v)] + (1 − q) · v
    = v + Σ (q/n) · max(b − v, 0)); kinds that are alike are counted once."""
    merged: dict[Fraction, Fraction] = {}
    for p, g in chances:
        if p > 0 and g > 0:
            merged[g] = merged.get(g, Fraction(0)) + p
    kinds = sorted(merged.items())
    out = [Fraction(0)]
    v = Fraction(0)
    for _ in range(max(days, 0)):
        v = (v + sum((p * (g - v) for g, p in kinds if g > v), Fraction(0))).limit_denominator(PRECISION)
        out.append(v)
    return out


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


@dataclass(frozen=True)
class Stream:
    """One exit's campaign history, seen as the rate a route through it reaches:
    a campaign of b bp on it makes `rate` · (1 + b/10,000) gift yen per yen of points."""

    history: History
    rate: Fraction
    yen_per_point: Fraction = Fraction(1)  # of the exit's site, to value a campaign's cap


def campaign_chances(streams: list[Stream], today: date, baseline: Fraction,
                     waiting_yen: int | None = None) -> list[tuple[Fraction, Fraction]]:
    """Every campaign seen on the streams as (chance per day, gain in bp over
    `baseline`): each start observed over D days stands for a 1/D chance a day
    of one like it. Gains are what the campaign's route rate beats the
    baseline by, so a campaign on a worse route counts for less (or nothing).

    A capped campaign pays its bonus on at most its cap: when `waiting_yen` of
    spend all wait for campaigns, one capped at C yen of points serves a share
    C / waiting_yen of them, so its chance counts for that share (the
    campaign's bonus is shared out, not promised to every yen waiting)."""
    out = []
    for chance, gain, cap_yen in _seen(streams, today, baseline):
        share = Fraction(1)
        if cap_yen is not None and waiting_yen:
            share = min(share, cap_yen / waiting_yen)
        out.append((share * chance, gain))
    return out


def _seen(streams: list[Stream], today: date, baseline: Fraction):
    """(chance per day, gain in bp over `baseline`, cap in yen or None) per campaign seen."""
    for st in streams:
        h = st.history
        observed = max((today - h.observed_since).days, 1)
        for c in h.campaigns:
            if h.observed_since <= c.starts_on <= today:
                gain = (st.rate * (10_000 + c.bonus_bp) / 10_000 / baseline - 1) * 10_000
                cap = None if c.cap_points is None else c.cap_points * st.yen_per_point
                yield Fraction(1, observed), gain, cap


def at_least(n: int, days: int, chance: Fraction) -> Fraction:
    """The chance of at least n starts in `days` days, each day `chance`."""
    if n <= 0:
        return Fraction(1)
    if n > days or chance <= 0:
        return Fraction(0)
    chance = chance.limit_denominator(10**6)
    below = sum((comb(days, i) * chance**i * (1 - chance) ** (days - i) for i in range(n)), Fraction(0))
    return (1 - below).limit_denominator(PRECISION)


def keep_chances(streams: list[Stream], today: date, baseline: Fraction, balance_yen: int,
                 days: int, take_yen: int | None = None,
                 need_yen: int | None = None) -> list[tuple[Fraction, Fraction]]:
    """The campaigns a site's points can still meet over `days`, as they bear on
    the `take_yen` of points a plan would take from it now — the last of its
    balance (by default only the last point). A campaign to come reaches those
    points only where what it would absorb exceeds what stays on the site:
    uncapped ones absorb up to `need_yen` (the spend still to cover; all of it
    by default), capped ones C yen each, so n starts of them absorb min(n·C,
    need). Each campaign counts for the share of the taken points it reaches,
    expected over how many capped ones start in time. So a balance far above
    what campaigns (or the spend left) absorb is cheap to use now, and taking a
    whole balance that one capped campaign could absorb is dear."""
    seen = list(_seen(streams, today, baseline))
    capped = sum((chance for chance, _, cap in seen if cap is not None), Fraction(0))
    take = max(1, min(balance_yen, 1 if take_yen is None else take_yen))
    need = need_yen

    def reach(absorb) -> Fraction:
        if need is not None:
            absorb = min(absorb, need)
        return Fraction(min(take, max(0, absorb - (balance_yen - take))), take)

    out = []
    for chance, gain, cap in seen:
        if cap is None:
            share = Fraction(1) if need is None else reach(need)
        else:  # n capped starts, n = 1 … top (top or more absorb the whole balance)
            top = -(-balance_yen // max(cap, 1)) if cap else 0
            share, tail = Fraction(0), at_least(1, days, capped) if cap else Fraction(0)
            for n in range(1, top + 1):
                nxt = at_least(n + 1, days, capped) if n < top else Fraction(0)
                share += (tail - nxt) * reach(n * cap)
                tail = nxt
        out.append((chance * share, gain))
    return out


def history_from_campaigns(campaigns, observed_since: date, rate_changes=()) -> History:
    """A History from campaign-like records (starts_on, ends_on, bonus_bp); the
    observation starts at the earlier of `observed_since` and the first campaign."""
    past = tuple(sorted((PastCampaign(c.starts_on, c.ends_on, c.bonus_bp) for c in campaigns
                         if c.starts_on is not None), key=lambda c: c.starts_on))
    since = min([observed_since] + [c.starts_on for c in past])
    return History(since, past, tuple(rate_changes))
