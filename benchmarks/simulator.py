"""A generated year of campaigns, replayed day by day (issue 5's quality benchmark).

The question: how much of the value a clairvoyant planner gets does the
advisor get, deciding each day with only what it could know that day?

- **Market** (`sim_market`): the Amazon routes of four real sites and dot
  money, with the rates, steps, lags and caps the reference notes give
  (/work/shared/reference/point-sites.md, cited line by line below).
- **Campaigns** (`campaign_year`): generated per exit from what the reference
  says campaigns look like; where it is silent the figure is marked
  ASSUMPTION. A first-come (先着) campaign may end before its announced end:
  the advisor sees the announced window, the hindsight plan the real one.
- **A year** (`generate`): one year of campaigns before the start (the
  advisor's history) and one during it, twelve monthly spends, and balances
  that cover them with room to spare (the benchmark is about cost, not
  shortfall).
- **Replay** (`replay`): every day from the start to the last spend, pay the
  day's spend from the gift that has arrived, then ask `advise()` with that
  day's Situation — balances left, gift lots in flight, the campaigns running
  that day (with what their caps still allow this user), the history of
  campaigns seen so far — and carry out the steps it plans for today unless
  its wait advice holds them. Every exchange is settled by the simulator
  itself from the exits and the campaigns really live (`settle`), and checked
  against every cap; it never trusts the plan's own numbers.
- **Hindsight** (`hindsight`): `plan_amazon_cover` on the start day with every
  campaign of the year known (real ends). It is exact for the same exchange
  model the advisor acts in, so no causal policy can spend fewer points: its
  cost (or, when the solver stops early, HiGHS's proven lower bound on it)
  is the reference — never flattering the advisor.
- **Naive**: exchange on the first day everything the year needs, at that
  day's best rates (the first day's plan, carried out at once).

Value captured = hindsight cost ÷ policy cost (both cover every spend; a
policy that misses a spend is reported as such, not scored).

The replay plans every day; nothing is skipped, so there is nothing to prove
equivalent. (The day's plan depends on `today` itself — slots start today,
and the wait estimate changes with the days left and with the history — so a
day "where nothing changed" can still decide differently.)

Left out, on purpose (each would need the planner to know more, or costs time):
- Hapitas balances stay at or under its 30,000 pt monthly cap, so the cap
  never binds: in November 2026 a binding monthly cap made each plan take
  ~10 s. It no longer does (2026-12-03: replay ~90 s a year against ~25 s,
  hindsight up to its 120 s limit); `generate(..., caps_bind=True)` (`QUALITY_CAPS_BIND=1`)
  keeps the balances as drawn, while the default keeps the years the cached
  figures were measured on. A cap partly used this month is shown to the
  advisor as what is left of it.
- Base rates never change (no drops: the wait model's loss term is zero).
- Campaigns are known from their first day (no pre-announcements); gift
  arrives on the worst-case lag; units left on dot money are not reused, and
  dot money's 6-month expiry and month-end bonus expiry (l.38) never matter
  because every chain runs straight through.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from fractions import Fraction

from advisor.advise import Situation, advise
from advisor.amazon import AmazonWallet, GiftLot, add_years
from advisor.business_days import Calendar
from advisor.model import Campaign, Exit, Plan, Spend
from advisor.plan import plan_amazon_cover
from advisor.timing import History, PastCampaign
from benchmarks.bench_planner import SEEN, START, _exit, monthly_spends

DAYS = 365


def sim_market() -> list[Exit]:
    """The exits (point-sites.md line numbers in the comments)."""
    return [
        # l.38: dot money → Amazon 297 マネー → ¥300, "usually 3–5 business days" (worst case 5)
        _exit("dotmoney", "amazon_gift", 297, 300, 5),
        # l.12: Hapitas 490 pt → ¥500 in 490 pt steps, within 3 business days,
        # 30,000 pt a month over all exits
        _exit("hapitas", "amazon_gift", 490, 500, 3, monthly_cap_points=30_000, cap_scope="site"),
        # l.28: Hapitas → dot money from 300 pt (1:1, ASSUMPTION: 100 pt steps, lag 3 like its bank exit)
        _exit("hapitas", "dotmoney", 100, 100, 3, minimum_points=300, leads_to="dotmoney",
              monthly_cap_points=30_000, cap_scope="site"),
        # l.13: Moppy 1 P = ¥1, minimum 500 pt; lag not found (ASSUMPTION: 5, 1:1, 500 pt steps)
        _exit("moppy", "amazon_gift", 500, 500, 5),
        # l.29: Moppy → dot money (ASSUMPTION: 1:1 from 300 P in 100 P steps, lag 3)
        _exit("moppy", "dotmoney", 100, 100, 3, minimum_points=300, leads_to="dotmoney"),
        # l.17: Chobirich 2 pt = ¥1, 1,000 P → ¥500 in 1,000 P steps, real time
        _exit("chobirich", "amazon_gift", 1_000, 500, 0, Fraction(1, 2)),
        # l.30: Chobirich → dot money 1,000 P → 500 マネー, real time, free
        _exit("chobirich", "dotmoney", 1_000, 500, 0, Fraction(1, 2), leads_to="dotmoney"),
        # l.14: PointIncome 10 pt = ¥1, 5,000 pt → ¥500, next business day (Sundays and
        # holidays excluded: Saturday counts). The ⚠ fixed
        # amounts (¥500–3,000) are modelled as 5,000 pt steps without a maximum. Its
        # "one exchange a day" is checked when settling (ONE_A_DAY), not given to
        # the planner: with one route and no maximum no plan exchanges there twice
        # a day (slots are disjoint runs of days), and the planner cuts 60 daily
        # slots for such an exit (~1 s a plan instead of ~20 ms).
        _exit("pointincome", "amazon_gift", 5_000, 500, 1, Fraction(1, 10), lag_counts_saturday=True),
    ]


ONE_A_DAY = {"pointincome"}  # l.14


# --- campaigns ------------------------------------------------------------------------------

@dataclass(frozen=True)
class SimCampaign:
    announced: Campaign  # what the site shows: announced window and cap
    actual_end: date  # the last day it really ran (earlier when a first-come budget ran out)

    @property
    def real(self) -> Campaign:
        return replace(self.announced, ends_on=self.actual_end)

    def live_on(self, d: date) -> bool:
        return self.announced.starts_on <= d <= self.actual_end


# ASSUMPTION (the reference gives sizes, not frequencies): on every site → dot
# money exit a campaign starts on about one day in 30 and runs 5–14 days.
DOTMONEY_START_CHANCE = Fraction(1, 30)
DOTMONEY_DAYS = (5, 14)
# l.40: "Chobirich → dot money up to +10 % on the first 20,000 マネー (usually +1 %)".
# ASSUMPTION for the split: 70 % are +1 %, 20 % +2–5 %, 10 % +10 %.
DOTMONEY_BONUSES = ((70, (100,)), (20, (200, 300, 500)), (10, (1_000,)))
DOTMONEY_CAP_MONEY = 20_000  # l.40; ASSUMPTION: every bonus above +1 % carries it, +1 % is uncapped
# ASSUMPTION: the large ones (≥ +5 %) are first-come; half of those run out
# on a uniformly drawn day of their window.
FIRST_COME_FROM_BP = 500
FIRST_COME_RUNS_OUT = Fraction(1, 2)
# l.13, l.40: Moppy "amazonギフト1%割引支給" (1 % off the gift). ASSUMPTION: every
# site's gift exit sees one about one day in 60, for 7 days, uncapped.
GIFT_DISCOUNT_START_CHANCE = Fraction(1, 60)
GIFT_DISCOUNT_DAYS = (7, 7)
GIFT_DISCOUNT_BP = 100
# l.38: dot money's own Amazon rate is a standing one; ASSUMPTION: no campaigns on it.


def _chance(rng: random.Random, p: Fraction) -> bool:
    return rng.randrange(p.denominator) < p.numerator


def _bonus(rng: random.Random) -> int:
    roll = rng.randrange(100)
    for weight, sizes in DOTMONEY_BONUSES:
        if roll < weight:
            return rng.choice(sizes)
        roll -= weight
    raise AssertionError("weights sum to 100")


def campaign_year(rng: random.Random, exits: list[Exit], start: date, days: int) -> list[SimCampaign]:
    """Campaigns on the exits over [start, start + days): one at a time per exit."""
    out = []
    for e in exits:
        if e.destination == "dotmoney":
            chance, span = DOTMONEY_START_CHANCE, DOTMONEY_DAYS
        elif e.destination == "amazon_gift" and e.site != "dotmoney":
            chance, span = GIFT_DISCOUNT_START_CHANCE, GIFT_DISCOUNT_DAYS
        else:
            continue
        d = start
        while d < start + timedelta(days=days):
            if _chance(rng, chance):
                end = d + timedelta(days=rng.randint(*span) - 1)
                if e.destination == "dotmoney":
                    kind, bp = "bonus", _bonus(rng)
                    # the cap is in マネー received; the campaign counts the site's points
                    cap = DOTMONEY_CAP_MONEY * e.points_in // e.value_out if bp > 100 else None
                else:
                    kind, bp, cap = "discount", GIFT_DISCOUNT_BP, None
                first_come = bp >= FIRST_COME_FROM_BP
                actual = end
                if first_come and _chance(rng, FIRST_COME_RUNS_OUT):
                    actual = d + timedelta(days=rng.randrange((end - d).days + 1))
                title = f"{e.site}→{e.destination} {'増量' if kind == 'bonus' else '割引'} {bp / 100:g}%"
                out.append(SimCampaign(Campaign(
                    e.site, e.destination, title, kind, bp, d, end, f"https://{e.site}.example/campaign",
                    SEEN, cap_points=cap, first_come=first_come, ident=f"{e.site}:{e.destination}:{d}"),
                    actual))
                d = end
            d += timedelta(days=1)
    return out


# --- a year ---------------------------------------------------------------------------------

SPEND_YEN = (3, 15)  # ASSUMPTION: one Amazon spend a month, ¥3,000–15,000, on the 15th
COVER_RATIO = (Fraction(6, 5), Fraction(2))  # ASSUMPTION: balances worth 1.2–2× the year's spend


@dataclass
class Year:
    seed: int
    exits: list[Exit]
    balances: dict[str, int]
    spends: list[Spend]
    history: list[SimCampaign]  # the year before the start
    campaigns: list[SimCampaign]  # the simulated year
    calendar: Calendar = field(default_factory=Calendar)
    history_since: date = START - timedelta(days=DAYS)


def generate(seed: int, history_years: int = 1, caps_bind: bool = False) -> Year:
    """One year; `history_years` > 1 gives the advisor a longer past to learn
    the campaigns' frequencies and sizes from (the same year to replay);
    `caps_bind` leaves a balance over its site's monthly cap as drawn."""
    rng = random.Random(seed)
    exits = sim_market()
    spends = monthly_spends(rng)
    need = sum(s.yen for s in spends)
    lo, hi = COVER_RATIO
    worth = need * (lo + (hi - lo) * Fraction(rng.randrange(1_000), 1_000))
    origins = sorted({e.site for e in exits if e.site != "dotmoney"})
    weights = [rng.randint(1, 4) for _ in origins]
    value = {e.site: e.yen_per_point for e in exits}
    balances = {}
    caps = {e.site: e.monthly_cap_points for e in exits if e.monthly_cap_points}
    for site, w in zip(origins, weights):
        yen = worth * w / sum(weights)
        balances[site] = int(yen / value[site]) // 100 * 100
    for site, cap in ({} if caps_bind else caps).items():
        # The years measured first (a binding cap then cost ~10 s a plan) keep
        # each balance under its cap; what it moves goes to the first site without one.
        extra = max(0, balances[site] - cap)
        balances[site] -= extra
        spare = next(s for s in origins if s not in caps)
        balances[spare] += int(extra * value[site] / value[spare])
    history = campaign_year(rng, exits, START - timedelta(days=DAYS), DAYS)
    campaigns = campaign_year(rng, exits, START, DAYS)
    since = START - timedelta(days=DAYS * history_years)
    if history_years > 1:  # older years from their own stream: the replayed year stays the same
        history = campaign_year(random.Random(f"{seed} older"), exits, since, DAYS * (history_years - 1)) + history
    return Year(seed, exits, balances, spends, history, campaigns, history_since=since)


# --- the three policies ---------------------------------------------------------------------

def hindsight_inputs(year: Year) -> dict:
    """Everything `hindsight` gives the planner (the hindsight cache's
    fingerprint is taken over exactly this; `history` is not in it)."""
    return dict(exits=year.exits, balances=year.balances, spends=year.spends, today=START,
                calendar=year.calendar, campaigns=[c.real for c in year.campaigns])


def hindsight(year: Year, time_limit: float | None) -> Plan:
    return plan_amazon_cover(**hindsight_inputs(year), time_limit=time_limit)


def naive(year: Year, time_limit: float | None = None) -> Plan:
    live = [c.announced for c in year.campaigns if c.live_on(START)]
    return plan_amazon_cover(year.exits, year.balances, year.spends, START, year.calendar, campaigns=live,
                             time_limit=time_limit)


class SettleError(AssertionError):
    """An exchange the sites would refuse: the simulation is wrong, not the policy."""


@dataclass
class Exchange:
    day: date
    site: str
    route: tuple[str, ...]
    points: int  # charged on the first hop
    yen: int
    cost: Fraction
    campaign: str | None
    held: bool = False  # True: planned for today but held by wait advice (not carried out)


@dataclass
class Replay:
    cost: Fraction = Fraction(0)
    missed: int = 0  # yen of spend not covered in time
    gift_left: int = 0  # gift yen unused after the last spend
    exchanges: list[Exchange] = field(default_factory=list)
    plans: int = 0


class Ledger:
    """What the sites have seen of this user: balances, caps used, gift in flight."""

    def __init__(self, year: Year):
        self.year = year
        self.left = dict(year.balances)
        self.lots: list[GiftLot] = []
        self.campaign_used: dict[str, int] = {}
        self.month_used: dict[tuple[str, int, int], int] = {}
        self.exchanged_on: dict[tuple[str, date], int] = {}

    def campaigns_known(self, day: date) -> list[Campaign]:
        """Running today, with what their caps still allow this user (spent caps drop out)."""
        out = []
        for c in self.year.campaigns:
            if not c.live_on(day):
                continue
            a = c.announced
            if a.cap_points is not None:
                room = a.cap_points - self.campaign_used.get(a.key, 0)
                if room <= 0:
                    continue
                a = replace(a, cap_points=room)
            out.append(a)
        return out

    def exits_known(self, day: date) -> list[Exit]:
        """A monthly cap partly used this month is shown as what is left of it.
        (The planner has no notion of earlier exchanges; this is stricter than
        the truth for later months, so it never helps the advisor.)"""
        out = []
        for e in self.year.exits:
            used = self.month_used.get((e.site, day.year, day.month), 0)
            if e.monthly_cap_points is not None and used:
                e = replace(e, monthly_cap_points=e.monthly_cap_points - used)
            out.append(e)
        return out

    def pay(self, spend: Spend) -> int:
        """Pay a spend from arrived gift, soonest-expiring first; the yen not covered."""
        due = spend.yen
        for k, lot in sorted(enumerate(self.lots), key=lambda kv: kv[1].expires):
            if due and lot.yen and (lot.arrives is None or lot.arrives < spend.on):
                take = min(due, lot.yen)
                self.lots[k] = replace(lot, yen=lot.yen - take)
                due -= take
        return due

    def settle(self, day: date, hops: tuple[tuple[str, int, int], ...], route: tuple[str, ...]) -> Exchange:
        """Carry out one exchange as the sites would, from the true exits and campaigns."""
        by_label = {e.label: e for e in self.year.exits}
        cal = self.year.calendar
        d = day
        units_in = None
        first_cost = None
        title = None
        yen = 0
        for i, (label, points, _planned_units) in enumerate(hops):
            e = by_label[label]
            if not e.valid_amount(points):
                raise SettleError(f"{label}: {points} is not a valid amount")
            live = [c for c in self.year.campaigns if c.live_on(d) and c.announced.site == e.site
                    and c.announced.destination == e.destination]
            c = max(live, key=lambda c: c.announced.bonus_bp).announced if live else None
            units = e.units_out(points)
            charged = points + e.fee_points
            if c is not None:
                room = None if c.cap_points is None else c.cap_points - self.campaign_used.get(c.key, 0)
                eligible = points if room is None else max(0, min(points, room))
                if c.kind == "discount":
                    charged -= eligible * c.bonus_bp // 10_000
                else:
                    units += e.units_out(eligible) * c.bonus_bp // 10_000
                if eligible:
                    self.campaign_used[c.key] = self.campaign_used.get(c.key, 0) + eligible
                    title = c.title
            if e.monthly_cap_points is not None:
                k = (e.site, d.year, d.month)
                self.month_used[k] = self.month_used.get(k, 0) + points
                if self.month_used[k] > e.monthly_cap_points:
                    raise SettleError(f"{e.site}: monthly cap broken in {d:%Y-%m}")
            if e.site in ONE_A_DAY:
                k2 = (e.site, d)
                self.exchanged_on[k2] = self.exchanged_on.get(k2, 0) + 1
                if self.exchanged_on[k2] > 1:
                    raise SettleError(f"{e.site}: two exchanges on {d}")
            if i == 0:
                if charged > self.left[e.site]:
                    raise SettleError(f"{e.site}: {charged} > balance {self.left[e.site]}")
                self.left[e.site] -= charged
                first_cost = charged * e.yen_per_point
            elif charged > units_in:
                raise SettleError(f"{label}: {charged} > {units_in} arrived")
            units_in = units
            d = cal.add_business_days(d, e.lag_max_days or 0, e.lag_counts_saturday)
            yen = units
        self.lots.append(GiftLot(yen, add_years(d, 10), d, "sim"))
        return Exchange(day, by_label[hops[0][0]].site, route, hops[0][1], yen, first_cost, title)


def history_on(year: Year, exit: Exit, today: date) -> History:
    """What the advisor has seen of an exit's campaigns up to today (starts and sizes)."""
    seen = [c for c in year.history + year.campaigns if c.announced.site == exit.site
            and c.announced.destination == exit.destination and c.announced.starts_on <= today]
    past = tuple(PastCampaign(c.announced.starts_on, min(c.actual_end, today), c.announced.bonus_bp,
                              c.announced.cap_points) for c in seen)
    return History(year.history_since, past)


def replay(year: Year, policy=advise) -> Replay:
    out = Replay()
    book = Ledger(year)
    last = year.spends[-1].on
    day = START
    while day <= last:
        for spend in (sp for sp in year.spends if sp.on == day):
            out.missed += book.pay(spend)
        if day == last:
            break
        exits = book.exits_known(day)
        plan = policy(Situation(
            today=day, exits=exits, balances=dict(book.left),
            spends=[s for s in year.spends if s.on > day], campaigns=book.campaigns_known(day),
            amazon=AmazonWallet(gift_lots=tuple(book.lots)), calendar=year.calendar,
            histories={(e.site, e.destination): history_on(year, e, day) for e in exits}))
        out.plans += 1
        for a in plan.advice:
            if a.kind == "wait":
                out.exchanges.append(Exchange(day, a.numbers["site"], (), 0, a.numbers["yen"], Fraction(0),
                                              None, held=True))
        for s in plan.now:
            ex = book.settle(day, s.hops, s.route)
            if ex.yen != s.yen:
                raise SettleError(f"{day} {s.label}: planned ¥{s.yen}, the sites give ¥{ex.yen}")
            out.cost += ex.cost
            out.exchanges.append(ex)
        day += timedelta(days=1)
    out.gift_left = sum(lot.yen for lot in book.lots)
    return out
