"""The whole answer: the exact plan, then warnings and advice around it.

`advise(situation)` is what the CLI (and the benchmark's simulator) call: it
plans (`advisor.plan`), then adds what the plan alone does not say — points
that will lapse, Amazon Points' rolling date, gift that will expire unused,
leftovers on intermediaries, whether to wait for a campaign, and routing
offers for fashion spend.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from advisor.amazon import AmazonWallet, cover_from_balances, timed_points_label
from advisor.business_days import Calendar
from advisor.model import Advice, Campaign, Exit, Plan, RoutingOffer, Spend, Step
from advisor.offers import routing_offer_advice
from advisor.plan import best_campaign, latest_apply, plan_amazon_cover, rate_text
from advisor.rules import site_points_expiry
from advisor.routes import GIFT, Route, find_routes, largest_valid, run_route
from advisor.timing import (
    COVER_CHUNK,
    History,
    Stream,
    WaitEstimate,
    campaign_chances,
    campaign_kinds,
    coverage_values,
    estimate,
    holding_worth,
    keep_prices,
    pooled_chances,
    pooled_sizes,
    waiting_values,
)

WARN_DAYS = 90  # lapses further away than this (and after the last spend) are not news


@dataclass(frozen=True)
class ExpiryRule:
    months: int
    since: str  # "last_login", "last_earned", "last_activity", "point_age"
    wording: str
    days: int | None = None  # counted in days rather than months (「180日」)


@dataclass
class Situation:
    today: date
    exits: list[Exit]
    balances: dict[str, int]
    spends: list[Spend]
    last_activity: dict[str, date] = field(default_factory=dict)
    expiry_rules: dict[str, ExpiryRule] = field(default_factory=dict)
    campaigns: list[Campaign] = field(default_factory=list)
    offers: list[RoutingOffer] = field(default_factory=list)
    amazon: AmazonWallet = field(default_factory=AmazonWallet)
    # per exit (site, destination); exits of sites holding no points still lend
    # the sizes of their campaigns to the others to the same destination
    histories: dict[tuple[str, str], History] = field(default_factory=dict)
    destination_values: dict[str, Fraction] = field(default_factory=dict)
    calendar: Calendar = field(default_factory=Calendar)
    names: dict[str, str] = field(default_factory=dict)  # site → display name
    units: dict[str, str] = field(default_factory=dict)  # site → its points' unit where not "pt"
    # site → points already exchanged this month against its shared monthly cap
    cap_used: dict[str, int] = field(default_factory=dict)


# Rules an exchange itself renews: it needs a login, and it is activity.
RENEWED_BY_EXCHANGE = ("last_login", "last_activity")


def lapse_date(rule: ExpiryRule, since: date) -> date:
    return since + timedelta(days=rule.days) if rule.days is not None else site_points_expiry(rule.months, since)


def lapse_dates(s: Situation) -> dict[str, date]:
    """When each held site balance lapses if nothing more happens."""
    out = {}
    for site, points in s.balances.items():
        rule, since = s.expiry_rules.get(site), s.last_activity.get(site)
        if points > 0 and rule and since:
            out[site] = lapse_date(rule, since)
    return out


def lapses_after_plan(s: Situation, plan: Plan, lapses: dict[str, date],
                      waits_until: dict[str, date] | None = None) -> dict[str, tuple[date, date | None]]:
    """site → (when what the plan leaves lapses, the planned exchange that
    renewed it or None): on most sites the exchange is itself activity.

    `waits_until`: per site, the last day the wait advice holds any of its
    points to (never past their lapse, `exchange_now`). Its steps for today
    are applied by then, not today: the exchange that renews the rest is that
    day's (a step held to 12-13 is not today's activity, and what it leaves
    lapses counted from 12-13)."""
    out = {site: (when, None) for site, when in lapses.items()}
    for step in plan.steps:
        rule, on = s.expiry_rules.get(step.site), step.apply_on or s.today
        if on == s.today:
            on = (waits_until or {}).get(step.site, on)
        if step.site in out and rule.since in RENEWED_BY_EXCHANGE and on <= lapses[step.site]:
            renewed = lapse_date(rule, on)
            if renewed > out[step.site][0]:
                out[step.site] = (renewed, on)
    return out


def advise(s: Situation) -> Plan:
    lapses = lapse_dates(s)
    live = [c for c in s.campaigns if c.ends_on is None or c.ends_on >= s.today]
    plan = plan_amazon_cover(s.exits, s.balances, s.spends, s.today, s.calendar, campaigns=live,
                             cap_used=s.cap_used,
                             amazon=s.amazon, available_until=lapses)
    name = lambda site: s.names.get(site, site)  # noqa: E731
    unit = lambda site: s.units.get(site, "pt")  # noqa: E731
    horizon = max([sp.on for sp in s.spends] + [date.fromordinal(s.today.toordinal() + WARN_DAYS)])

    # What to do today first: the lapses after the plan count held steps on
    # the day they wait to.
    plan.now, waits, waits_until = exchange_now(s, plan, lapses)
    after_plan = lapses_after_plan(s, plan, lapses, waits_until)
    # Soonest first; ties by site.
    for site, (when, renewed) in sorted(after_plan.items(), key=lambda kv: (kv[1][0], kv[0])):
        left = plan.left.get(site, 0)
        rule = s.expiry_rules.get(site)
        # Held to a day, the renewing exchange may come sooner (a campaign
        # starts): it is news if even today's would lapse within the horizon.
        held_to = renewed is not None and renewed == waits_until.get(site)
        soonest = lapse_date(rule, s.today) if held_to else when
        if left > 0 and soonest <= horizon:
            lapse = "に失効しています" if when < s.today else "に失効します"  # a wallet not updated since
            # By age (ECnavi, dot money) the date is the oldest points' (when
            # they were earned is what the wallet's date says), not all of them.
            held = f"{left:,}{unit(site)}" + (" のうち古い分" if rule.since == "point_age" else "")
            plan.warnings.append(f"{name(site)}: {held} が {when} {lapse}（{rule.wording}"
                                 + (f"。待つ助言どおり {renewed} に交換して延長した日。早く交換すればその分早まります"
                                    if held_to else f"。{renewed} の交換で延長した日" if renewed else "") + "）")
    for e in s.exits:  # the planner cannot say when such a gift would arrive
        if e.lag_max_days is None and s.balances.get(e.site, 0) > 0 and e.destination == "amazon_gift":
            plan.warnings.append(f"{name(e.site)} {e.label}: 交換日数が不明なため計画に使えません")
    for site, points in sorted(s.balances.items()):
        if points > 0 and site in s.expiry_rules and site not in s.last_activity:
            missing = "最も古いポイントの獲得日" if s.expiry_rules[site].since == "point_age" else "最終利用日"
            plan.warnings.append(f"{name(site)}: {missing}が未登録のため失効日を確認できません")

    for lot in s.amazon.gift_lots:
        if lot.earned and lot.arrives is not None and lot.arrives <= s.today:
            # Once it arrives the user may list the card under [[amazon.gift]] too.
            plan.warnings.append(
                f"{lot.label} ¥{lot.yen:,} は {lot.arrives} ごろに届いているはずです。届いたギフト券を"
                "[[amazon.gift]] にも書いた場合は二重に数えています（その月を [[associates.earnings]] から"
                "消してください）")
    cover = cover_from_balances([sp for sp in s.spends if sp.on >= s.today], s.amazon)
    if cover.points_left and cover.points_expiry and cover.points_expiry < s.today:
        plan.warnings.append(f"Amazonポイント {cover.points_left:,}pt は {cover.points_expiry} に失効しています"
                             "（最後の注文またはポイント獲得から1年）")
    elif cover.points_left and cover.points_expiry:
        plan.warnings.append(f"Amazonポイント {cover.points_left:,}pt の有効期限は {cover.points_expiry}"
                             "（最後の注文またはポイント獲得から1年。注文するたびに延長）")
    # Each kind soonest first (a user reads the nearest risk first); ties keep
    # the wallet's order (the sort is stable).
    for points, expires in sorted(cover.timed_unused, key=lambda t: t[1]):  # in pt, as the account shows them
        if expires < s.today:
            plan.warnings.append(f"{timed_points_label(points)} は {expires} に失効しています")
        elif expires <= horizon:
            plan.warnings.append(f"{timed_points_label(points)} が {expires} に失効します（使う予定の注文がありません）")
    for label, yen, expires in sorted(cover.unused, key=lambda u: u[2] or date.max):
        if expires is not None and expires < s.today:
            plan.warnings.append(f"{label}: ¥{yen:,} は {expires} に失効しています")
        elif expires is not None and expires <= horizon:
            plan.warnings.append(f"{label}: ¥{yen:,} が使われないまま {expires} に失効します")

    left_over: dict[str, int] = {}  # per intermediary, over every step: one warning each
    for step in plan.steps:
        for site, units in step.leftover:
            left_over[site] = left_over.get(site, 0) + units
        if step.uncertain:
            # Named by its site: two sites' routes through dot money read alike.
            warning = (f"{step.apply_on or s.today} の {name(step.site)} → {step.label}: "
                       "先着順キャンペーンを前提にしています（締切前に終わると受取が減ります）")
            if warning not in plan.warnings:  # one slot may be split into several steps
                plan.warnings.append(warning)
        first = first_exit(s, step)
        stale = f"{name(step.site)} {first.label}: 最新のクロールで確認できていない値です"
        if first.stale and stale not in plan.warnings:
            plan.warnings.append(stale)
        better = best_alternative(s, first.site)
        gift_rate = Fraction(step.yen) / step.cost if step.cost else None
        if better and gift_rate is not None and better[1] > gift_rate:
            plan.warnings.append(
                f"{name(step.site)}: {better[0]} のほうが価値が高い（{rate_text(better[1])} 対 "
                f"ギフト {rate_text(gift_rate)}）")
    for site, units in left_over.items():
        rule = s.expiry_rules.get(site)
        plan.warnings.append(f"{name(site)}: 交換後 {units:,}{unit(site)} が残ります"
                             + (f"（{rule.wording}で失効）" if rule else ""))

    plan.advice += waits
    plan.advice += routing_offer_advice(s.offers, s.spends, s.today, s.names, s.units)
    return plan


def best_alternative(s: Situation, site: str) -> tuple[str, Fraction] | None:
    """The user's best accepted non-gift destination for a site's points, as
    value received per yen of points (at the exit's minimum, fee included)."""
    best = None
    for e in s.exits:
        value = s.destination_values.get(e.destination)
        if e.site != site or value is None or e.destination == "amazon_gift":
            continue
        pts = e.floor
        rate = Fraction(e.units_out(pts)) * value / ((pts + e.fee_points) * e.yen_per_point)
        if best is None or rate > best[1]:
            best = (e.label, rate)
    return best


def route_rate(exit: Exit, exits: list[Exit]) -> Fraction | None:
    """Gift yen per yen of points through `exit` with no campaign: straight to
    the gift, or on through its intermediary's best direct gift exit."""
    rate = Fraction(exit.value_out, exit.points_in) / exit.yen_per_point
    if exit.destination == GIFT:
        return rate
    if exit.leads_to is None:
        return None
    onward = [Fraction(e.value_out, e.points_in) for e in exits
              if e.site == exit.leads_to and e.destination == GIFT]
    return rate * max(onward) if onward else None


def spend_deadlines(exits: list[Exit], sites: set[str], spends: list[Spend], today: date,
                    calendar: Calendar) -> list[date]:
    """Per spend: the last day from today on which every route from these
    sites to the gift (`routes.find_routes`) can still deliver in time
    (`plan.latest_apply`) — waiting past it could only leave the faster, often
    worse, routes; today when even that day is too late."""
    routes = find_routes(exits, sites)
    return [min((latest_apply(r, sp.on, today, calendar) for r in routes), default=today) for sp in spends]


def paid_parts(residual: list[Spend], steps: list[Step]) -> list[tuple[int, Spend, Step | None]]:
    """Who pays what of each residual spend when each step's gift pays the
    spends from its own first one on, nearest first, the best rate's first:
    (index of the spend, the part, the step paying it — None for what no
    step pays), in spend order. The nearest spends have the fewest chances
    left to meet another campaign, so today's campaign pays them and the
    plain steps the far ones, which may still wait. (Any order covers what
    the plan covers: a step reaches every spend after its first.)"""
    left = [sp.yen for sp in residual]
    paid: list[list[tuple[Step, int]]] = [[] for _ in residual]
    best_rate_first = lambda st: (bool(st.cost), -_rate(st) if st.cost else 0, st.arrives_by, st.for_spend)  # noqa: E731
    for st in sorted(steps, key=best_rate_first):
        yen = st.yen
        for j, sp in enumerate(residual):
            if yen <= 0:
                break
            if sp.on < st.for_spend or not left[j]:
                continue
            take = min(left[j], yen)
            left[j] -= take
            yen -= take
            paid[j].append((st, take))
    out: list[tuple[int, Spend, Step | None]] = []
    for j, sp in enumerate(residual):
        out += [(j, replace(sp, yen=take), st) for st, take in paid[j]]
        if left[j]:
            out.append((j, replace(sp, yen=left[j]), None))
    return out


def _on_grid(x: Fraction, grid: int = 10_000) -> Fraction:
    """Round to 1/grid: prices with one small denominator keep the planner's
    exact integer costs small."""
    return Fraction(round(x * grid), grid)


def future_prices(s: Situation, streams: list[tuple[str, Stream]], horizon: int, take_yen: int,
                  needs: list[tuple[int, int]]) -> dict[str, Fraction]:
    """Per site holding points: the price of its points used now, as a share
    of their face value: 1 + what taking them now adds to covering the spends
    still to come (`needs`: deadline in days from today, yen), over futures
    drawn from the campaign history (`timing.keep_prices`)."""
    if not streams or not needs:
        return {}
    standing = plain_rates(s)
    balances = {site: pts * next(e.yen_per_point for e in s.exits if e.site == site)
                for site, pts in s.balances.items() if site in standing}
    return keep_prices(streams, s.today, horizon, standing, balances, Fraction(take_yen), needs)


def first_exit(s: Situation, step: Step) -> Exit:
    """The exit a step's points leave their site by."""
    return next(e for e in s.exits if e.site == step.site and e.label == step.hops[0][0])


def _rate(step: Step) -> Fraction | None:
    return Fraction(step.yen) / step.cost if step.cost else None


def step_route(exits_by: dict[tuple[str, str], Exit], step: Step) -> Route:
    """The step's route as exits (`exits_by`: (site, label) → exit)."""
    return Route(tuple(exits_by[(site, label)] for site, (label, _, _) in zip(step.route, step.hops)))


def capped_part(s: Situation, step: Step, route: Route) -> tuple[int, Fraction, Fraction] | None:
    """A step that claims a capped campaign is two exchanges in one: the
    points within the cap at the campaign's rate, the rest at the route's
    plain rate. (gift yen of the capped part, its rate, the plain rate) —
    None when the step claims no capped campaign it overruns (its average
    rate is its rate). A cap on the first hop is run exactly
    (`routes.run_route` on the largest valid amount within it), so the yen
    of the capped part is gift the route can really give: acted on alone, it
    is filled by the campaign and not by a cheaper route's coarser steps."""
    if not step.cost or not step.campaigns:
        return None
    plain = route.rate()
    claimed = tuple(next((c for c in s.campaigns if c.site == h.site and c.destination == h.destination
                          and c.title in step.campaigns), None) for h in route.hops)
    for i, (h, c, (_, points, _)) in enumerate(zip(route.hops, claimed, step.hops)):
        if c is None or c.cap_points is None or not points or c.cap_points >= points:
            continue
        if i == 0:
            first = largest_valid(h, c.cap_points + h.fee_points)
            caps = tuple(k.cap_points if k else None for k in claimed)
            run = run_route(route, first, claimed, caps) if first else None
            if run is None or not run.points or not 0 < run.yen < step.yen:
                return None
            return run.yen, Fraction(run.yen) / (run.points * h.yen_per_point), plain
        share = Fraction(c.cap_points, points)  # a later hop's cap: shared out by points
        capped_yen = int(step.yen - (1 - share) * step.cost * plain)
        if capped_yen <= 0:
            return None
        return capped_yen, capped_yen / (share * step.cost), plain
    return None


def rated_parts(s: Situation, parts: list[tuple[int, Spend, Step | None]],
                 exits_by: dict[tuple[str, str], Exit]) -> list[tuple[int, Spend, Step | None, Fraction | None]]:
    """Each part of a spend (`paid_parts`) with the rate the step paying it
    gives it. A step claiming a capped campaign pours its capped part into
    its spends first, nearest first (they have the fewest chances left to
    meet another campaign), the rest at the plain rate; the part where the
    cap runs out is split in two, each judged by the rate it really gets —
    averaged, the cap's last yen waited with the plain rest and were lost."""
    out: list[tuple[int, Spend, Step | None, Fraction | None]] = []
    room: dict[int, int] = {}
    capped_of: dict[int, tuple[int, Fraction, Fraction] | None] = {}  # a step pays many spends
    for j, sp, st in parts:
        if st is None:
            out.append((j, sp, None, None))
            continue
        if id(st) not in capped_of:
            capped_of[id(st)] = capped_part(s, st, step_route(exits_by, st))
        capped = capped_of[id(st)]
        if capped is None:
            out.append((j, sp, st, _rate(st)))
            continue
        capped_yen, rate_c, plain = capped
        take = min(room.setdefault(id(st), capped_yen), sp.yen)
        room[id(st)] -= take
        out += [(j, replace(sp, yen=yen), st, rate) for yen, rate in ((take, rate_c), (sp.yen - take, plain)) if yen]
    return out


def exchange_now(s: Situation, plan: Plan, lapses: dict[str, date]
                 ) -> tuple[list[Step], list[Advice], dict[str, date]]:
    """Which of today's steps to carry out, spend by spend, the wait advice,
    and per site the last day that advice holds its points to.

    One step of the plan often pays many spends (a whole year from one site),
    but waiting is worth a different amount for each: little for a spend a
    week away, a lot for one ten months away. And one spend is often paid by
    several steps (a campaign's few points, the rest at the plain rate). So
    each part of a spend that a step planned for today pays (`paid_parts`)
    is decided on its own, at the rate that step gives it:
    - due: today is the last day the slowest route from the sites holding
      points can still deliver in time → exchange (waiting past it could only
      leave the faster, often worse, routes);
    - a part paid through a campaign that is not first-come and runs past
      today waits (to the campaign's last day at most): waiting loses
      nothing, and a better campaign may start meanwhile;
    - else compare today's gain with what waiting until its last day is
      worth, V(W). A gain is measured over what the same points get anyway:
      their site's best rate with no campaign, or, if higher, the plain rate
      the last yen of the rest would get (`marginal_rates`) — a site's best
      plain points are used at that rate sooner or later, so only what a
      campaign adds to it is gained. V(W) comes from the
      campaigns seen on every exit of the sites holding points (each counted
      by how much its route beats that rate, `timing.campaign_chances`;
      how often from the exit's own history shrunk toward that of every
      exit to the same destination, `timing.pooled_chances`, how large from
      every exit to the same destination, `timing.pooled_sizes`),
      minus the expected loss from rate drops on the step's own exit; exchange
      when today's gain is at least that. For a part that gains today, what
      waiting is worth is instead what covering it now takes off the
      campaigns to come (`timing.coverage_values`, with the parts taken
      before it covered): gift is fungible, so an exchange today covers the
      nearest spend, and the part's own distant day does not make it worth
      holding;
    - a part exchanged for today's gain that the keep prices below would pay
      at a plain rate instead (the campaign's points are worth more kept)
      waits: a plain exchange today gains nothing it could not get later.
    The spends to exchange for are then planned on their own, today, and that
    plan's steps for today are what to do."""
    today_steps = [st for st in plan.steps if st.apply_on == s.today]
    if not today_steps:
        return [], [], {}
    residual = cover_from_balances([sp for sp in s.spends if sp.on >= s.today], s.amazon).residual
    parts = paid_parts(residual, plan.steps)
    live = [c for c in s.campaigns if c.active_on(s.today)]
    held_sites = {site for site, pts in s.balances.items() if pts > 0}
    base_steps = plan.steps
    # Today's campaigns on any hop of the routes out (an intermediary's too,
    # e.g. dot money → Amazon) are in the plan's rates: the rates a gain is
    # measured over are those of a plan without them.
    # (Routes are looked for only when a campaign runs today at all.)
    if live and {c.site for c in live} & (held_sites | {h.site for r in find_routes(s.exits, held_sites)
                                                        for h in r.hops}):
        base_steps = plan_amazon_cover(s.exits, s.balances, residual, s.today, s.calendar, cap_used=s.cap_used,
                                       available_until=lapses).steps
    marginal = marginal_rates(residual, base_steps)
    plain_of = plain_rates(s)
    value = {e.site: e.yen_per_point for e in s.exits}
    pooled = pooled_sizes(s.histories, value, s.today)
    chances = pooled_chances(s.histories, s.today)
    streams_of = [(e.site, Stream(s.histories[(e.site, e.destination)], r, e.yen_per_point,
                                  pooled.get(e.destination, ()), plain_of[e.site],
                                  chances.get((e.site, e.destination))))
                  for e in s.exits if e.site in held_sites and (e.site, e.destination) in s.histories
                  and (r := route_rate(e, s.exits)) is not None]
    streams = [st for _, st in streams_of]
    values: dict[Fraction, list[Fraction]] = {}
    exits_by = {(e.site, e.label): e for e in s.exits}
    act: list[Spend] = []
    gained: dict[int, tuple[Step, date]] = {}  # parts acted for today's gain, not because they are due
    # Wait advice is one per exit (site, first exit's label): one exit often
    # has several of today's steps (a per-exchange maximum splits one
    # exchange; two routes leave by the same first exit).
    held: dict[tuple[str, str], list[tuple[Spend, date, WaitEstimate]]] = {}
    lasting: dict[tuple[str, str], list[tuple[Spend, date]]] = {}  # held while today's campaign runs on
    claims: dict[tuple[str, str], list[str]] = {}  # the campaigns the exit's held steps claim
    horizon = (residual[-1].on - s.today).days if residual else 0
    deadlines = spend_deadlines(s.exits, held_sites, residual, s.today, s.calendar)
    waiting_yen = sum(sp.yen for sp, d in zip(residual, deadlines) if d > s.today)
    rated = rated_parts(s, parts, exits_by)
    coverage: dict[Fraction, object] = {}
    needs = [((d - s.today).days, sp.yen) for sp, d in zip(residual, deadlines)]
    covered = 0  # yen of the spend to come that today's parts acted on so far cover
    for j, sp, st, rate_now in rated:
        if st is None or st.apply_on != s.today:
            continue
        first = exits_by[(st.site, st.hops[0][0])]
        deadline = min(deadlines[j], lapses.get(st.site, date.max))  # no waiting past the points' lapse
        days_left = (deadline - s.today).days
        rate_base = marginal[j]
        if days_left <= 0 or rate_now is None or not rate_base:
            act.append(sp)
            covered += sp.yen
            continue
        lasts = campaign_lasts(s, st)
        if lasts is not None and lasts > s.today and rate_now > step_route(exits_by, st).rate():
            # today's campaign is sure to run tomorrow too: holding loses
            # nothing and keeps the chance of a better one
            lasting.setdefault(exit_key(st), []).append((sp, min(deadline, lasts)))
            _claim(claims, st)
            continue
        gain_now = max(Fraction(0), (rate_now / max(rate_base, plain_of.get(st.site, rate_base)) - 1) * 10_000)
        own = s.histories.get((first.site, first.destination))
        est = estimate(own, s.today, days_left) if own else None
        loss = est.expected_loss_bp if est else Fraction(0)
        if gain_now > 0:
            # taking today's gain covers chunks the campaigns to come would
            # otherwise reach first: what they are worth is what those
            # chunks lose, not V(W) (`timing.coverage_values`)
            if rate_base not in coverage:
                coverage[rate_base] = coverage_values(horizon, needs,
                                                      list(campaign_kinds(streams, s.today, rate_base)))
            worth = holding_worth(coverage[rate_base], covered / COVER_CHUNK, sp.yen / COVER_CHUNK)
        else:
            if rate_base not in values:
                values[rate_base] = waiting_values(horizon, campaign_chances(streams, s.today, rate_base,
                                                                             waiting_yen))
            worth = values[rate_base][days_left]
        if worth - loss > gain_now:
            held.setdefault(exit_key(st), []).append((sp, deadline, WaitEstimate(
                days_observed=est.days_observed if est else 0,
                # how often its campaigns start as the estimate took it (shrunk toward its destination's)
                start_chance=chances.get((first.site, first.destination), est.start_chance if est else Fraction(0)),
                bonuses_bp=est.bonuses_bp if est else (), drop_chance=est.drop_chance if est else Fraction(0),
                mean_drop_bp=est.mean_drop_bp if est else Fraction(0), expected_bonus_bp=worth,
                expected_loss_bp=loss, days_left=days_left, gain_now_bp=gain_now)))
        else:
            if gain_now > 0:
                gained[id(sp)] = (st, deadline)
            act.append(sp)
            covered += sp.yen
    put_off: dict[tuple[str, str], _Piece] = {}  # by exit
    later: dict[tuple[str, str], tuple[Step, list[tuple[Spend, date]]]] = {}  # by the campaign step's exit
    if not act:
        now = []
    else:
        # Which points to exchange now: each site's priced at what using
        # them now adds to covering the spend still to come (futures drawn
        # from the campaign history), so the points the best futures need
        # are kept for them.
        act_yen = sum(sp.yen for sp in act)
        acted = {id(sp) for sp in act}
        factor = future_prices(s, streams_of, horizon, act_yen, [
            ((deadlines[j] - s.today).days, sp.yen) for j, sp, _, _ in rated if id(sp) not in acted])
        priced = [replace(e, yen_per_point=_on_grid(e.yen_per_point * factor[e.site]))
                  if e.site in factor else e for e in s.exits]
        for_now = plan_amazon_cover(priced, s.balances, act, s.today, s.calendar, campaigns=live,
                                    cap_used=s.cap_used, available_until=lapses)
        # A part acted for today's campaign that the keep prices pay from a
        # plain step instead (the campaign's points are worth more kept)
        # gains nothing today it could not get later: it waits.
        kept: list[Spend] = []
        put_claims: dict[tuple[str, str], list[str]] = {}
        for j, part, st in paid_parts(act, for_now.steps):
            origin = gained.get(id(act[j]))
            if origin is not None and (st is None or not st.campaigns):
                later.setdefault(exit_key(origin[0]), (origin[0], []))[1].append((part, origin[1]))
                _claim(put_claims, origin[0])
            else:
                kept.append(part)
        if later:
            put_off = {k: _put_off_piece(s, replace(step, campaigns=tuple(put_claims[k])), parts, factor)
                       for k, (step, parts) in later.items()}
            act = kept
            for_now = plan_amazon_cover(priced, s.balances, act, s.today, s.calendar, campaigns=live,
                                        cap_used=s.cap_used, available_until=lapses) if act else Plan()
        # the priced plan's costs are not money: give each step its real cost back
        price = {e.site: e.yen_per_point for e in priced}
        now = [replace(st, cost=st.cost / price[st.site] * value[st.site])
               for st in for_now.steps if st.apply_on == s.today]
    # One advice per exit: its held parts, whatever each waits for, are read
    # together (two advices on one exit read as two answers to one question).
    pieces: dict[tuple[str, str], list[_Piece]] = {}
    for k, st in _by_exit(today_steps, held):
        pieces.setdefault(k, []).append(_wait_piece(s, st, held[k]))
    for k, st in _by_exit(today_steps, lasting):
        pieces.setdefault(k, []).append(_lasting_piece(s, replace(st, campaigns=tuple(claims[k])), lasting[k]))
    for k, piece in put_off.items():
        pieces.setdefault(k, []).append(piece)
    advice = [_exit_advice(s, st, pieces[k]) for k, st in _by_exit(today_steps, pieces)]
    waits_until: dict[str, date] = {}  # never past the points' lapse: each part's day is capped by it above
    for site, day in ([(k[0], d) for k, parts in held.items() for _, d, _ in parts]
                      + [(k[0], d) for k, parts in lasting.items() for _, d in parts]
                      + [(step.site, d) for step, parts in later.values() for _, d in parts]):
        waits_until[site] = max(waits_until.get(site, day), day)
    return now, advice, waits_until


def exit_key(step: Step) -> tuple[str, str]:
    """The exit a step's points leave by, as wait advice is grouped: (site, label)."""
    return step.site, step.hops[0][0]


def _claim(claims: dict[tuple[str, str], list[str]], step: Step) -> None:
    seen = claims.setdefault(exit_key(step), [])
    seen += [c for c in step.campaigns if c not in seen]


def _by_exit(steps: list[Step], groups: dict) -> list[tuple[tuple[str, str], Step]]:
    """(exit, its first step) per exit with parts in `groups`, in the steps' order."""
    out: dict[tuple[str, str], Step] = {}
    for st in steps:
        if exit_key(st) in groups:
            out.setdefault(exit_key(st), st)
    return list(out.items())


def marginal_rates(residual: list[Spend], steps: list[Step]) -> list[Fraction | None]:
    """Per residual spend, the plain rate the last yen of it and the spends
    after it would get: the worst rate of the steps (of a plan without
    campaigns) paying it or a later spend. A part a campaign pays now frees
    that yen, not the best one: the best plain points are used either way."""
    out: list[Fraction | None] = [None] * len(residual)
    for j, _, st in paid_parts(residual, steps):
        if st is not None and st.cost and (out[j] is None or _rate(st) < out[j]):
            out[j] = _rate(st)
    for j in range(len(out) - 2, -1, -1):
        if out[j + 1] is not None and (out[j] is None or out[j + 1] < out[j]):
            out[j] = out[j + 1]
    return out


def plain_rates(s: Situation) -> dict[str, Fraction]:
    """Per site holding points, its best gift rate with no campaign (`route_rate`)."""
    out: dict[str, Fraction] = {}
    for e in s.exits:
        if s.balances.get(e.site, 0) > 0 and (r := route_rate(e, s.exits)) is not None:
            out[e.site] = max(out.get(e.site, r), r)
    return out


@dataclass
class _Piece:
    """What one exit holds for one reason (`why`): until when (the first
    day), how many yen, for which spends, the advice's words without the
    exit's name, its figures, and `parts` (numbers.parts, each with its why)."""

    why: str  # "worth_waiting" | "campaign_runs_on" | "worth_more_kept"
    text: str
    figures: dict
    parts: list[dict]

    # What the piece holds is its parts' (one per day): summed, not kept twice.
    @property
    def until(self) -> date:
        return date.fromisoformat(min(p["wait_until"] for p in self.parts))

    @property
    def yen(self) -> int:
        return sum(p["yen"] for p in self.parts)

    @property
    def spends(self) -> list[str]:
        return sorted({sp for p in self.parts for sp in p["spends"]})


def _by_day(held: list[tuple]) -> dict[date, list[tuple]]:
    """Held parts — (spend, the day it waits to, …) — by that day, soonest first."""
    out: dict[date, list[tuple]] = {}
    for h in sorted(held, key=lambda h: h[1]):
        out.setdefault(h[1], []).append(h)
    return out


def _days_text(by_day: dict[date, list[tuple]]) -> str:
    """Each day's yen, for advice whose parts wait to different days:
    「¥1,000 分は 2026-12-22 まで、¥2,000 分は 2027-01-21 まで」."""
    return "、".join(f"¥{sum(h[0].yen for h in part):,} 分は {d} まで" for d, part in by_day.items())


def _day_part(why: str, day: date, part: list[tuple], **figures) -> dict:
    """One day's entry of numbers.parts: its reason, day, yen, spends and figures."""
    return {"why": why, "wait_until": day.isoformat(), "yen": sum(h[0].yen for h in part),
            "spends": sorted({h[0].on.isoformat() for h in part}), **figures}


def _put_off_piece(s: Situation, step: Step, held: list[tuple[Spend, date]],
                   factor: dict[str, Fraction]) -> _Piece:
    """The parts today's campaign step would pay but its points are kept for:
    the yen put off, until when, and the price (`future_prices`) that made
    its points worth more kept."""
    until, yen, by_day = min(d for _, d in held), sum(sp.yen for sp, _ in held), _by_day(held)
    keep = factor.get(step.site, Fraction(1))
    name = s.names.get(step.site, step.site)
    why = (f"{name} のポイントは今後のキャンペーンに残すほうが価値が高く（残す価値 {float(keep):.4f} 円/円）、"
           "今日交換すると通常レートになるため" if keep > 1 else
           "今日の分だけ交換すると交換単位の都合でキャンペーンが使われないため")
    figures = {"keep_price": str(keep), "campaigns": list(step.campaigns)}
    text = (f"¥{yen:,} 分は今日のキャンペーンでも交換せず {until} まで待つ — {why}。キャンペーンがなければ {until} に申請"
            if len(by_day) == 1 else
            f"¥{yen:,} 分は今日のキャンペーンでも交換せず待つ（{_days_text(by_day)}）— {why}。"
            "キャンペーンがなければそれぞれの日に申請")
    return _Piece("worth_more_kept", text, figures,
                  [_day_part("worth_more_kept", d, part, **figures) for d, part in by_day.items()])


def campaign_lasts(s: Situation, step: Step) -> date | None:
    """The last day every campaign the step claims is sure to run (None when
    one is first-come, which may end any day)."""
    claimed = [c for c in s.campaigns if c.title in step.campaigns and c.site in step.route
               and c.active_on(s.today)]
    if not claimed or any(c.first_come for c in claimed):
        return None
    return min((c.ends_on for c in claimed if c.ends_on is not None), default=date.max)


def _lasting_piece(s: Situation, step: Step, held: list[tuple[Spend, date]]) -> _Piece:
    until, yen, by_day = min(d for _, d in held), sum(sp.yen for sp, _ in held), _by_day(held)
    figures = {"campaigns": list(step.campaigns)}
    # each part's day is its own deadline or the campaign's last day, whichever comes first
    head, runs_to, tail = ((f"¥{yen:,} 分は {until} まで待つ — ", until, f"なければ {until} に申請") if len(by_day) == 1
                           else (f"¥{yen:,} 分は待つ（{_days_text(by_day)}）— ", max(by_day), "なければそれぞれの日に申請"))
    return _Piece(
        "campaign_runs_on",
        f"{head}今日のキャンペーン（{'、'.join(step.campaigns)}）は先着ではなく {runs_to} も続くので、"
        f"待っても失うものはなく、その間により良いキャンペーンが始まれば使える。{tail}",
        figures, [_day_part("campaign_runs_on", d, part, **figures) for d, part in by_day.items()])


def history_text(est: WaitEstimate) -> str:
    """What the exit's own history shows, for the wait advice: nothing when
    no campaign of it is stored (「過去0日で…0 回」 says nothing true; the
    expected bonus then comes from the other exits alone)."""
    if not est.days_observed or not est.bonuses_bp:
        return ""
    return f"過去{est.days_observed}日でこの交換先のキャンペーン開始 {len(est.bonuses_bp)} 回、"


def held_estimate(held: list[tuple[Spend, date, WaitEstimate]]) -> WaitEstimate:
    """The figures of many held parts as one: each part's are its own (its
    spend's deadline, its rates), and the expected bonus, loss and today's
    gain are their average weighted by the yen each part holds — so the yen
    times the figure is the sum of what each part is expected to gain. The
    exit's own history (chances, sizes seen) is the same for every part; the
    days left are the first part's."""
    yen = sum(sp.yen for sp, _, _ in held)
    first = min(held, key=lambda h: h[1])[2]
    if len(held) == 1 or not yen:
        return first
    mean = lambda figure: sum((sp.yen * figure(e) for sp, _, e in held), Fraction(0)) / yen  # noqa: E731
    return replace(first, expected_bonus_bp=mean(lambda e: e.expected_bonus_bp),
                   expected_loss_bp=mean(lambda e: e.expected_loss_bp), gain_now_bp=mean(lambda e: e.gain_now_bp))


def _wait_piece(s: Situation, step: Step, held: list[tuple[Spend, date, WaitEstimate]]) -> _Piece:
    first = first_exit(s, step)
    now = best_campaign(first, s.today, s.campaigns)
    until = min(d for _, d, _ in held)
    est = held_estimate(held)
    yen = sum(sp.yen for sp, _, _ in held)
    by_day = _by_day(held)
    pct = lambda bp: Decimal(bp.numerator) / Decimal(bp.denominator) / 100  # noqa: E731
    # Today's exchange of these yen may already gain something (a campaign on
    # the exit or a later hop): waiting is worth only what it adds to that.
    today = (f"、今日交換しても +{pct(est.gain_now_bp):.2f}% のため待つ利得は差し引き +{pct(est.gain_over_now_bp):.2f}%"
             if est.gain_now_bp > 0 else "")
    if len(by_day) == 1:
        head, tail = f"¥{yen:,} 分は {until} まで待つ価値あり — ", f"。キャンペーンがなければ {until} に申請"
    else:
        # Parts due on different days: each waits to its own day, and the
        # figures are over all of them (weighted by yen, `held_estimate`).
        head = f"¥{yen:,} 分は待つ価値あり（{_days_text(by_day)}）— "
        tail = "（各分のその日までの見込みを金額で平均）。キャンペーンがなければそれぞれの日に申請"
    return _Piece(
        "worth_waiting",
        (head + history_text(est) + f"他の交換先も合わせた期待上乗せ +{pct(est.expected_bonus_bp):.2f}%、"
         f"レート低下リスク −{pct(est.expected_loss_bp):.2f}%{today}" + tail),
        {"days_observed": est.days_observed, "campaigns_seen": len(est.bonuses_bp),
         "start_chance_per_day": str(est.start_chance),
         "expected_bonus_bp": str(est.expected_bonus_bp),
         "expected_loss_bp": str(est.expected_loss_bp),
         "bonus_now_bp": now.bonus_bp if now else 0,
         "gain_now_bp": str(est.gain_now_bp), "gain_over_now_bp": str(est.gain_over_now_bp)},
        # each day's part with its own figures (the ones above are their yen-weighted mean)
        [_day_part("worth_waiting", d, part, expected_bonus_bp=str(e.expected_bonus_bp),
                   expected_loss_bp=str(e.expected_loss_bp), gain_now_bp=str(e.gain_now_bp))
         for d, part in by_day.items() for e in (held_estimate(part),)])


def _exit_advice(s: Situation, step: Step, pieces: list[_Piece]) -> Advice:
    """One exit's wait advice: each reason its parts wait for, soonest first.
    Held for one reason the advice reads as that reason's, and its numbers
    carry that reason's figures; held for several, the text names each with
    its days and yen, and the figures are each part's own (`parts`: their
    yen add up to `yen`; a mean over parts held for different reasons would
    say nothing)."""
    first = first_exit(s, step)
    name = f"{s.names.get(step.site, step.site)} {first.label}"
    pieces = sorted(pieces, key=lambda p: p.until)
    yen = sum(p.yen for p in pieces)
    if len(pieces) == 1:
        text, figures = f"{name}: {pieces[0].text}", pieces[0].figures
    else:
        text = f"{name}: ¥{yen:,} 分は分ごとの理由で待つ — " + "。".join(
            f"{'①②③'[i]} {p.text}" for i, p in enumerate(pieces))
        figures = {}
    return Advice(
        kind="wait", text=text,
        numbers={"site": step.site, "exit": first.label, "why": [p.why for p in pieces],
                 "wait_until": pieces[0].until.isoformat(), "yen": yen,
                 "spends": sorted({sp for p in pieces for sp in p.spends}), **figures,
                 "parts": [part for p in pieces for part in p.parts]},
        source_url=first.source_url, seen_at=first.seen_at)
