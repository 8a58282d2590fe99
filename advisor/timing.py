"""Wait or exchange now: what the stored campaign history says about waiting.

Nothing here is per site: every estimate comes from the history of the exit
itself (how often its campaigns start, how large they are — sizes pooled
with the other exits to the same destination, below), and from the history
of its base rate (how often and how much it fell).

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
`campaign_chances`): each is valued by how much its route's rate beats what
the spend's points get without a campaign (`Stream.floor`), and a capped
campaign counts only for the share of the waiting spend its cap covers. `waiting_values` gives V(w)
for every w at once over such (chance, gain) kinds.

How large an exit's next campaign will be is drawn from the sizes seen on
every exit to the same destination (`pooled_sizes`): a year of one exit's
history rarely shows its rare large campaigns, and one that showed none is
no sign there will be none (issue 5's simulator: +0.34 / +0.08 / +0.13 pt on
three sets of years). How often its campaigns start is its own rate shrunk
toward the same exits' pooled rate as far as chance explains their
differences (`pooled_chances`, empirical Bayes): about ten starts a year
pin one exit's rate only to a third either way (issue 5's simulator, 150
years paired: +0.03 ± 0.015 pt; pooling outright read +0.05, but real sites
do not all run campaigns alike, and the simulator's do).

A campaign's gain is not the same for every yen waiting: its cap serves
a few of them, and the spends due before it starts are paid at the plain
rate anyway. `coverage_values` follows both: with C ¥1,000 chunks of the
spend still to come covered, the expected gain of the campaigns to come is
    V_t(C) = (1 − Σ p) · W_t(C) + Σ_k p_k · max over 0 ≤ x ≤ cap_k of [x · g_k + W_t(C + x)],
    W_t(C) = V_{t+1}(max(C, D_t)),
where kind k (`campaign_kinds`) starts on a day with chance p_k, gains g_k
bp and pays at most cap_k chunks, and D_t is the chunks of the spends whose
deadline is day t or sooner (paid by then, at the plain rate if no campaign
came). What holding x more chunks is worth per yen is (V(C) − V(C + x)) / x
(`holding_worth`): the campaigns' gain on the chunks nearest the front of
the queue (issue 5's simulator, 126 years paired: +0.07 ± 0.04 pt over
holding whenever V(W) beats today's gain).

Which site's points to use now (`keep_prices`): futures are drawn from the
same history, and in each the spends still to come are covered best rate
first, each campaign serving the spends it can still reach
(`cover_in_time`); a site's points cost what taking them now adds to that
cover, so sites compete for the same spends instead of each being valued as
if every campaign to come could use all of it.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

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

    def days_observed(self, today: date) -> int:
        return max((today - self.observed_since).days, 1)

    def starts_seen(self, today: date) -> list[PastCampaign]:
        """The campaigns that started within the observation, up to today."""
        return [c for c in self.campaigns if self.observed_since <= c.starts_on <= today]


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
    # what exchanging today already gains over the plain rate (a campaign
    # running today on the exit or its route): waiting gains only what it adds
    gain_now_bp: Fraction = Fraction(0)

    @property
    def gain_bp(self) -> Fraction:
        return self.expected_bonus_bp - self.expected_loss_bp

    @property
    def gain_over_now_bp(self) -> Fraction:
        """What waiting is expected to gain over exchanging today."""
        return self.gain_bp - self.gain_now_bp


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
    observed = history.days_observed(today)
    starts = history.starts_seen(today)
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
    # (bonus bp, cap in yen or None, times seen) of the campaigns seen on every
    # exit to the same destination: when given, the stream's own starts keep
    # their frequency but their sizes are drawn from these (`pooled_sizes`)
    sizes: tuple[tuple[int, Fraction | None, int], ...] = ()
    # the best rate its site's points get with no campaign: they are used at
    # it anyway, so a campaign gains only what it adds over that (0: none known)
    floor: Fraction = Fraction(0)
    # how often a day its campaigns start, when given (`pooled_chances`):
    # instead of its own starts over the days observed
    chance: Fraction | None = None


def campaign_chances(streams: list[Stream], today: date, baseline: Fraction,
                     waiting_yen: int | None = None) -> list[tuple[Fraction, Fraction]]:
    """Every campaign seen on the streams as (chance per day, gain in bp over
    `baseline`): each start observed over D days stands for a 1/D chance a day
    of one like it. Gains are what the campaign's route rate beats the
    baseline (or the stream's floor, if higher) by, so a campaign on a worse
    route counts for less (or nothing).

    A capped campaign pays its bonus on at most its cap: when `waiting_yen` of
    spend all wait for campaigns, one capped at C yen of points serves a share
    C / waiting_yen of them, so its chance counts for that share (the
    campaign's bonus is shared out, not promised to every yen waiting)."""
    out = []
    for chance, gain, cap_yen in campaign_kinds(streams, today, baseline):
        share = Fraction(1)
        if cap_yen is not None and waiting_yen:
            share = min(share, cap_yen / waiting_yen)
        out.append((share * chance, gain))
    return out


def _starts(st: Stream, today: date):
    """(chance a day, rate with the campaign, cap in yen or None) per kind of
    campaign the stream's history stands for: each start seen over D days is
    a 1/D chance a day of one like it — or, with pooled `sizes`, of one of
    each of those sizes, the chance shared out among them."""
    seen = st.history.starts_seen(today)
    if not seen:
        return
    chance = Fraction(len(seen), st.history.days_observed(today)) if st.chance is None else st.chance
    if st.sizes:
        share = chance / sum(n for _, _, n in st.sizes)
        for bp, cap_yen, n in st.sizes:
            yield share * n, st.rate * (10_000 + bp) / 10_000, cap_yen
        return
    for c in seen:
        yield (chance / len(seen), st.rate * (10_000 + c.bonus_bp) / 10_000,
               None if c.cap_points is None else c.cap_points * st.yen_per_point)


def pooled_sizes(histories: dict[tuple[str, str], History], yen_per_point: dict[str, Fraction],
                 today: date) -> dict[str, tuple[tuple[int, Fraction | None, int], ...]]:
    """Per destination: (bonus bp, cap in yen, times seen) of the campaigns
    seen on any exit to it. One exit's year of history shows few of its rare
    large campaigns (an exit that had no +10 % last year may well have one
    this year); the sizes seen across the exits to the same place are the
    better guess of how large its next one will be."""
    counts: dict[str, dict[tuple[int, Fraction | None], int]] = {}
    for (site, destination), h in histories.items():
        ypp = yen_per_point.get(site, Fraction(1))
        seen = counts.setdefault(destination, {})
        for c in h.starts_seen(today):
            key = (c.bonus_bp, None if c.cap_points is None else c.cap_points * ypp)
            seen[key] = seen.get(key, 0) + 1
    return {d: tuple((bp, cap, n) for (bp, cap), n in sorted(seen.items(), key=_size_order))
            for d, seen in counts.items()}


def pooled_chances(histories: dict[tuple[str, str], History], today: date) -> dict[tuple[str, str], Fraction]:
    """Per exit that saw a campaign start: how often a day its campaigns
    start, its own rate (starts ÷ days observed) shrunk toward the rate of
    every exit to the same destination as far as chance alone could explain
    how far apart the exits' rates are (empirical Bayes, method of moments).

    A year of one exit shows about ten starts, so its own rate is off by a
    third either way by chance; the exits to one place differ less than
    that when their sites run alike campaigns, and then their pooled rate
    is the better guess. With k exits, rate r_i over T_i days and pooled
    rate r = Σ starts ÷ Σ days, the spread the sites really differ by is
        τ² = max(0, Σ (r_i − r)² / (k − 1) − mean of r / T_i),
    the second term being the Poisson noise of one exit's rate; each exit
    gets B · r + (1 − B) · r_i with B = (r / T_i) / (r / T_i + τ²): all the
    pool when τ² = 0, mostly its own when the sites clearly differ. An exit
    that saw no start is left out (it gets no campaign from the pool, as in
    `_starts`)."""
    rows: dict[str, list[tuple[tuple[str, str], int, int]]] = {}
    for key, h in histories.items():
        if starts := len(h.starts_seen(today)):
            rows.setdefault(key[1], []).append((key, starts, h.days_observed(today)))
    out = {}
    for alike in rows.values():
        pooled = Fraction(sum(n for _, n, _ in alike), sum(t for _, _, t in alike))
        spread = Fraction(0)
        if len(alike) > 1:
            apart = sum((Fraction(n, t) - pooled) ** 2 for _, n, t in alike) / (len(alike) - 1)
            noise = sum(pooled / t for _, _, t in alike) / len(alike)
            spread = max(Fraction(0), apart - noise)
        for key, n, t in alike:
            b = (pooled / t) / (pooled / t + spread)
            out[key] = b * pooled + (1 - b) * Fraction(n, t)
    return out


def _size_order(kv):
    (bp, cap), _ = kv
    return bp, cap or 0


def campaign_kinds(streams: list[Stream], today: date, baseline: Fraction):
    """(chance per day, gain in bp over `baseline` — or over the stream's
    `floor` where that is higher —, cap in yen or None) per campaign kind seen."""
    for st in streams:
        base = max(baseline, st.floor)
        for chance, rate, cap in _starts(st, today):
            yield chance, (rate / base - 1) * 10_000, cap


def history_from_campaigns(campaigns, observed_since: date, rate_changes=()) -> History:
    """A History from campaign-like records (starts_on, ends_on, bonus_bp); the
    observation starts at the earlier of `observed_since` and the first campaign."""
    past = tuple(sorted((PastCampaign(c.starts_on, c.ends_on, c.bonus_bp) for c in campaigns
                         if c.starts_on is not None), key=lambda c: c.starts_on))
    since = min([observed_since] + [c.starts_on for c in past])
    return History(since, past, tuple(rate_changes))


# Futures are many and only rank sites, so they are costed in whole units:
# rates in millionths, yen in thousandths (an estimate, never money paid).
RATE_UNIT = 1_000_000
YEN_UNIT = 1_000


def _units(x, unit: int) -> int:
    return int(x * unit)


def sample_futures(streams: list[tuple[str, Stream]], today: date, days: int, standing: dict[str, Fraction],
                  n: int = 64) -> list[list[tuple[int, str, int | None, int]]]:
    """`n` futures of `days` days drawn from the campaigns seen on the streams:
    each kind a stream's history stands for (`_starts`: a 1/D chance a day
    per start seen over D days, its size its own or drawn from the pooled
    sizes) comes a Poisson number of times, each on a day drawn evenly. A future is its (rate, site, cap, start day) opportunities,
    best rate first, in the units above, with each site's standing rate from
    today without a cap. Drawn from a generator seeded by `today`: the same
    day gives the same answer."""
    rng = random.Random(today.toordinal())
    kinds: dict[tuple[int, str, int | None], float] = {}
    for site, st in streams:
        for chance, rate, cap_yen in _starts(st, today):
            key = (_units(rate, RATE_UNIT), site, None if cap_yen is None else _units(cap_yen, YEN_UNIT))
            kinds[key] = kinds.get(key, 0.0) + float(days * chance)
    base = [(_units(rate, RATE_UNIT), site, None, 0) for site, rate in standing.items()]
    out = []
    for _ in range(n):
        world = list(base)
        for (rate, site, cap), lam in kinds.items():
            k, p, u = 0, math.exp(-lam), rng.random()
            acc = p
            while u > acc and k < 1_000:
                k += 1
                p *= lam / k
                acc += p
            starts = sorted(rng.randrange(max(days, 1)) for _ in range(k))
            if cap is None:
                starts = starts[:1]  # the first uncapped one reaches all that a later one would
            world += [(rate, site, cap, t) for t in starts]
        world.sort(key=lambda o: (-o[0], o[3]))
        out.append(world)
    return out


def cover_in_time(deadlines: list[int], needs: list[int], left: dict[str, int], ranked) -> int:
    """The cost (units) of covering each need by its deadline (days from
    today, ascending) from (rate, site, cap, start) opportunities best rate
    first: each serves the earliest spends it can still reach (deadline ≥
    start), as later ones have later chances. Need left uncovered costs
    double at the worst rate."""
    needs = list(needs)
    left = dict(left)
    cost = 0
    for rate, site, cap, start in ranked:
        room = left.get(site, 0)
        if room <= 0:
            continue
        if cap is not None:
            room = min(room, cap)
        used = 0
        for j in range(bisect_left(deadlines, start), len(needs)):
            if needs[j] <= 0:
                continue
            x = min(room - used, -(-needs[j] * RATE_UNIT // rate))
            used += x
            needs[j] -= x * rate // RATE_UNIT
            if used >= room:
                break
        cost += used
        left[site] -= used
    rest = sum(x for x in needs if x > 0)
    if rest:
        cost += 2 * rest * RATE_UNIT // min((r for r, _, _, _ in ranked), default=RATE_UNIT)
    return cost


def keep_prices(streams: list[tuple[str, Stream]], today: date, days: int, standing: dict[str, Fraction],
                balances_yen: dict[str, Fraction], take_yen: Fraction, needs: list[tuple[int, int]],
                n: int = 64) -> dict[str, Fraction]:
    """Per site: 1 + what taking `take_yen` of its points now adds, per yen
    taken, to the cost of covering the spends to come — `needs`, (deadline in
    days from today, yen), ascending — averaged over futures drawn from the
    campaign history (`sample_futures`, `cover_in_time`). Sites compete for
    the same spends: points the cheapest futures do not reach cost nothing
    extra to use now."""
    worlds = sample_futures(streams, today, days, standing, n)
    left = {site: _units(b, YEN_UNIT) for site, b in balances_yen.items()}
    deadlines = [d for d, _ in needs]
    amounts = [y * YEN_UNIT for _, y in needs]
    full = [cover_in_time(deadlines, amounts, left, w) for w in worlds]
    out = {}
    for site, bal in left.items():
        take = min(_units(take_yen, YEN_UNIT), bal)
        if take <= 0:
            continue
        fewer = dict(left, **{site: bal - take})
        extra = sum(cover_in_time(deadlines, amounts, fewer, w) - f for w, f in zip(worlds, full))
        out[site] = 1 + Fraction(extra, len(worlds) * take)
    return out


COVER_CHUNK = 1_000  # yen: the unit `coverage_values` counts covered spend in


def coverage_values(days: int, needs: list[tuple[int, int]],
                    kinds: list[tuple[Fraction, Fraction, Fraction | None]], chunk: int = COVER_CHUNK):
    """V_1(C) for C = 0 … M chunks covered today (module docstring): the
    expected gain, in bp · chunks, of the campaigns that start from tomorrow
    to day `days` on the spend not yet covered, for `needs` as (days to the
    spend's deadline — today or before: paid today —, yen) and `kinds` as
    (chance a day, gain bp, cap in yen or None). M is the needs' total in
    chunks, rounded up. Floats: an estimate, not money."""
    import numpy as np

    total = sum(y for _, y in needs)
    m = -(-total // chunk)
    due = np.zeros(max(days, 0) + 2, dtype=np.int64)  # chunks that must be covered by the end of day t
    acc = 0
    for d, y in sorted(needs):
        acc += y
        t = min(max(d, 0), days + 1)
        due[t] = max(due[t], min(m, -(-acc // chunk)))
    due = np.maximum.accumulate(due)
    by_cap: dict[int | None, dict[float, float]] = {}  # kinds alike are counted once
    for p, g, cap in kinds:
        if p > 0 and g > 0:
            c = None if cap is None or cap >= m * chunk else max(1, int(cap // chunk))
            alike = by_cap.setdefault(c, {})
            alike[float(g)] = alike.get(float(g), 0.0) + float(p)
    idx = np.arange(m + 1)
    groups = []
    for cap, alike in by_cap.items():
        g = np.array(list(alike))
        groups.append((cap, np.array(list(alike.values())), g[:, None] * idx[None, :]))
    stay = max(0.0, 1.0 - sum(p.sum() for _, p, _ in groups))
    v = np.zeros(m + 1)
    for t in range(days, 0, -1):
        w = v[np.maximum(idx, due[t])]
        out = stay * w
        for cap, p, gained in groups:
            a = w[None, :] + gained  # covering up to C + x: its gain counted from 0
            best = np.maximum.accumulate(a[:, ::-1], axis=1)[:, ::-1] if cap is None else _window_max(a, cap)
            out += p @ (best - gained)
        v = out
    return v[np.maximum(idx, due[0])]  # what is due today is paid today, whatever comes


def holding_worth(values, covered: float, more: float) -> Fraction:
    """What holding `more` chunks, after `covered` chunks, is expected to gain
    per yen (bp): (V(C) − V(C + x)) / x on `coverage_values`, read between
    whole chunks in a straight line."""
    import numpy as np

    if more <= 0:
        return Fraction(0)
    grid = np.arange(len(values))
    lost = float(np.interp(covered, grid, values) - np.interp(covered + more, grid, values))
    return Fraction(max(lost, 0.0) / more).limit_denominator(PRECISION)


def _window_max(a, width: int):
    """max(a[:, i : i + width + 1]) for every i (fewer at the end), by doubling spans."""
    import numpy as np

    rows, n = a.shape
    pad = np.full((rows, width), -np.inf)
    s = np.concatenate([a, pad], axis=1)
    span = 1
    while span * 2 <= width + 1:
        s = np.maximum(s, np.concatenate([s[:, span:], np.full((rows, span), -np.inf)], axis=1))
        span *= 2
    return np.maximum(s[:, :n], s[:, width + 1 - span:width + 1 - span + n])
