"""The whole answer: the exact plan, then warnings and advice around it.

`advise(situation)` is what the CLI (and the benchmark's simulator) call: it
plans (`advisor.plan`), then adds what the plan alone does not say — points
that will lapse, Amazon Points' rolling date, gift that will expire unused,
leftovers on intermediaries, whether to wait for a campaign, and routing
offers for fashion spend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from advisor.amazon import AmazonWallet, cover_from_balances
from advisor.business_days import Calendar
from advisor.model import Advice, Campaign, Exit, Plan, RoutingOffer, Spend
from advisor.offers import routing_offer_advice
from advisor.plan import best_campaign, plan_amazon_cover, rate_text
from advisor.rules import site_points_expiry
from advisor.timing import History, should_wait

WARN_DAYS = 90  # lapses further away than this (and after the last spend) are not news


@dataclass(frozen=True)
class ExpiryRule:
    months: int
    since: str  # "last_login", "last_earned", "last_activity", "point_age"
    wording: str


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
    histories: dict[tuple[str, str], History] = field(default_factory=dict)
    destination_values: dict[str, Fraction] = field(default_factory=dict)
    calendar: Calendar = field(default_factory=Calendar)
    names: dict[str, str] = field(default_factory=dict)  # site → display name


def lapse_dates(s: Situation) -> dict[str, date]:
    """When each held site balance lapses if nothing more happens."""
    out = {}
    for site, points in s.balances.items():
        rule, since = s.expiry_rules.get(site), s.last_activity.get(site)
        if points > 0 and rule and since:
            out[site] = site_points_expiry(rule.months, since)
    return out


def advise(s: Situation) -> Plan:
    lapses = lapse_dates(s)
    live = [c for c in s.campaigns if c.ends_on is None or c.ends_on >= s.today]
    plan = plan_amazon_cover(s.exits, s.balances, s.spends, s.today, s.calendar, campaigns=live,
                             amazon=s.amazon, available_until=lapses)
    name = lambda site: s.names.get(site, site)  # noqa: E731
    horizon = max([sp.on for sp in s.spends] + [date.fromordinal(s.today.toordinal() + WARN_DAYS)])

    for site, when in sorted(lapses.items(), key=lambda kv: kv[1]):
        left = plan.left.get(site, 0)
        if left > 0 and when <= horizon:
            rule = s.expiry_rules[site]
            plan.warnings.append(f"{name(site)}: {left:,}pt が {when} に失効します（{rule.wording}）")
    for site, points in sorted(s.balances.items()):
        if points > 0 and site in s.expiry_rules and site not in s.last_activity:
            plan.warnings.append(f"{name(site)}: 最終利用日が未登録のため失効日を確認できません")

    cover = cover_from_balances([sp for sp in s.spends if sp.on >= s.today], s.amazon)
    if cover.points_left and cover.points_expiry:
        plan.warnings.append(f"Amazonポイント {cover.points_left:,}pt の有効期限は {cover.points_expiry}"
                             "（最後の注文またはポイント獲得から1年。注文するたびに延長）")
    for label, yen, expires in cover.unused:
        if expires is not None and expires <= horizon:
            plan.warnings.append(f"{label}: ¥{yen:,} が使われないまま {expires} に失効します")

    for step in plan.steps:
        for site, units in step.leftover:
            rule = s.expiry_rules.get(site)
            plan.warnings.append(f"{name(site)}: 交換後 {units:,} が残ります"
                                 + (f"（{rule.wording}で失効）" if rule else ""))
        first = next(e for e in s.exits if e.site == step.site and e.label == step.hops[0][0])
        if first.stale:
            plan.warnings.append(f"{name(step.site)} {first.label}: 最新のクロールで確認できていない値です")
        better = best_alternative(s, first.site)
        gift_rate = Fraction(step.yen) / step.cost if step.cost else None
        if better and gift_rate is not None and better[1] > gift_rate:
            plan.warnings.append(
                f"{name(step.site)}: {better[0]} のほうが価値が高い（{rate_text(better[1])} 対 "
                f"ギフト {rate_text(gift_rate)}）")

    plan.advice += wait_advice(s, plan)
    plan.advice += routing_offer_advice(s.offers, s.spends, s.today)
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


def wait_advice(s: Situation, plan: Plan) -> list[Advice]:
    """For steps planned today: is waiting for a campaign worth it?"""
    out = []
    for step in plan.steps:
        if step.apply_on != s.today or step.apply_by <= s.today:
            continue
        first = next(e for e in s.exits if e.site == step.site and e.label == step.hops[0][0])
        history = s.histories.get((first.site, first.destination))
        now = best_campaign(first, s.today, s.campaigns)
        wait, est = should_wait(history, s.today, step.apply_by, now.bonus_bp if now else 0)
        if not wait or est is None:
            continue
        pct = lambda bp: Decimal(bp.numerator) / Decimal(bp.denominator) / 100  # noqa: E731
        out.append(Advice(
            kind="wait",
            text=(f"{s.names.get(step.site, step.site)} {first.label}: {step.apply_by} まで待つ価値あり — "
                  f"過去{est.days_observed}日でキャンペーン開始 {len(est.bonuses_bp)} 回、"
                  f"期待増量 +{pct(est.expected_bonus_bp):.2f}%、レート低下リスク −{pct(est.expected_loss_bp):.2f}%"
                  + (f"（今のキャンペーン +{Decimal(now.bonus_bp) / 100}% より上）" if now else "")
                  + f"。キャンペーンがなければ {step.apply_by} に申請"),
            numbers={"site": step.site, "exit": first.label, "wait_until": step.apply_by.isoformat(),
                     "days_observed": est.days_observed, "campaigns_seen": len(est.bonuses_bp),
                     "start_chance_per_day": str(est.start_chance),
                     "expected_bonus_bp": str(est.expected_bonus_bp),
                     "expected_loss_bp": str(est.expected_loss_bp),
                     "bonus_now_bp": now.bonus_bp if now else 0, "yen": step.yen},
            source_url=first.source_url, seen_at=first.seen_at))
    return out
