"""The advisor's rules, one small test each (plain dataclasses, no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from fractions import Fraction
from math import comb

import pytest

from advisor.advise import (
    ExpiryRule,
    Situation,
    advise,
    history_text,
    marginal_rates,
    paid_parts,
    spend_deadlines,
)
from advisor.amazon import (
    AmazonPoints,
    AmazonWallet,
    GiftLot,
    TimedPoints,
    amazon_points_expiry,
    amount_due,
    associates_gift_lots,
    cover_from_balances,
    timed_points_label,
)
from advisor.business_days import Calendar
from advisor.model import Campaign, Exit, RoutingOffer, Spend, Step
from advisor.offers import routing_offer_advice
from advisor.plan import best_campaign, plan_amazon_cover
from advisor.routes import Route, find_routes, run_route, runs_up_to
from advisor.rules import (
    add_months,
    award_points,
    clawback,
    landed_price,
    referral_fee,
    round_half_even,
    site_points_expiry,
)
from advisor.timing import (
    History,
    PastCampaign,
    RateChange,
    Stream,
    campaign_chances,
    RATE_UNIT,
    YEN_UNIT,
    cover_in_time,
    estimate,
    keep_prices,
    pooled_chances,
    pooled_sizes,
    should_wait,
    waiting_value,
    waiting_values,
)
from pointexit.clock import JST

SEEN = datetime(2026, 11, 20, 9, 0, tzinfo=JST)
TODAY = date(2026, 11, 23)  # a Monday (勤労感謝の日, a holiday)


def gift_exit(site="hapitas", pin=490, out=500, lag=3, **kw) -> Exit:
    kw.setdefault("minimum_points", pin)
    kw.setdefault("step_points", pin)
    kw.setdefault("fee_points", 0)
    return Exit(site, "amazon_gift", f"{site} Amazon", pin, out, lag_max_days=lag,
                source_url=f"https://{site}.example/exchange/", seen_at=SEEN, **kw)


def dotmoney_chain(site="hapitas", lag1=1, lag2=5):
    into = Exit(site, "dotmoney", "ドットマネー", 1, 1, 300, 1, 0, lag1,
                f"https://{site}.example/exchange/", SEEN, leads_to="dotmoney")
    out = Exit("dotmoney", "amazon_gift", "Amazonギフト (ドットマネー)", 297, 300, 297, 297, 0, lag2,
               "https://d-money.example/amazon", SEEN)
    return into, out


# --- seed rules ----------------------------------------------------------------------------

@pytest.mark.parametrize("x, expected", [(Fraction(5, 2), 2), (Fraction(7, 2), 4), (Fraction(-1, 2), 0),
                                         (Fraction(26, 10), 3), (Fraction(24, 10), 2), (Fraction(3), 3)])
def test_round_half_even(x, expected):
    assert round_half_even(x) == expected


def test_landed_price_is_price_plus_shipping_minus_points():
    assert landed_price(1_000, 340, 100) == 1_240


@pytest.mark.parametrize("price, rate_bp, points", [(250, 100, 2), (350, 100, 4), (1_000, 1_000, 100),
                                                    (1_050, 100, 10), (1_150, 100, 12)])
def test_award_points_round_half_to_even(price, rate_bp, points):
    assert award_points(price, rate_bp) == points


def test_clawback_is_proportional():
    assert clawback(Fraction(1, 10), 1_000, 200) == (100, 20)
    assert clawback(Fraction(1, 4), 10, 2) == (2, 0)  # 2.5 → 2, 0.5 → 0
    with pytest.raises(ValueError):
        clawback(Fraction(3, 2), 1_000, 200)


def test_referral_fee_seed_example():
    assert referral_fee(1_000, 340, 100, 1_000) == 124


def test_add_months_clips_to_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert site_points_expiry(6, date(2026, 9, 20)) == date(2027, 3, 20)


# --- Amazon --------------------------------------------------------------------------------

def test_amazon_points_expire_a_year_after_the_later_activity():
    assert amazon_points_expiry(date(2026, 10, 20), date(2026, 11, 2)) == date(2027, 11, 2)
    assert amazon_points_expiry(date(2028, 2, 29), None) == date(2029, 2, 28)
    assert amazon_points_expiry(None, None) is None


def test_associates_pay_six_weeks_after_the_month_from_500_yen():
    [sep] = associates_gift_lots([(date(2026, 9, 1), 1_200)])
    assert sep.arrives == date(2026, 11, 11)  # mid-November for September
    assert sep.expires == date(2036, 11, 11) and sep.yen == 1_200
    [lot] = associates_gift_lots([(date(2026, 8, 1), 300), (date(2026, 9, 1), 300)])
    assert (lot.yen, lot.arrives) == (600, date(2026, 11, 11))  # August's ¥300 waited
    [old] = associates_gift_lots([(date(2026, 9, 1), 800)], validity_years=1)
    assert old.expires == date(2027, 11, 11)


def test_associates_gift_that_should_have_arrived_is_flagged_as_maybe_counted_twice():
    # September's card came ~11-11; listed under [[amazon.gift]] as well, it counted twice.
    lots = tuple(associates_gift_lots([(date(2026, 9, 1), 1_200), (date(2026, 10, 1), 900)]))
    s = Situation(today=TODAY, exits=[], balances={}, spends=[Spend(date(2026, 12, 20), 500)],
                  amazon=AmazonWallet(gift_lots=lots))
    flagged = [w for w in advise(s).warnings if "二重" in w]
    assert flagged == ["アソシエイト 2026-09 分 ¥1,200 は 2026-11-11 ごろに届いているはずです。届いたギフト券を"
                       "[[amazon.gift]] にも書いた場合は二重に数えています（その月を [[associates.earnings]] から"
                       "消してください）"]  # October's (due 12-12) is still to come
    listed = AmazonWallet(gift_lots=(GiftLot(1_200, date(2036, 11, 11), date(2026, 11, 11)),))
    assert not [w for w in advise(replace(s, amazon=listed)).warnings if "二重" in w]


def test_abroad_spend_adds_shipping_rounded_up():
    assert amount_due(Spend(TODAY, 10_000, "abroad")) == 11_500
    assert amount_due(Spend(TODAY, 999, "abroad")) == 1_149
    assert amount_due(Spend(TODAY, 999, "abroad"), Fraction(1, 10)) == 1_099
    assert amount_due(Spend(TODAY, 999, "fashion")) == 999


def test_balances_cover_soonest_expiring_first():
    wallet = AmazonWallet(
        gift_lots=(GiftLot(1_000, date(2036, 1, 1), label="new"), GiftLot(500, date(2027, 1, 1), label="old")),
        timed_points=(TimedPoints(200, date(2026, 12, 31)),),
        points=AmazonPoints(300, last_order=date(2026, 11, 1)))
    cover = cover_from_balances([Spend(date(2026, 12, 10), 1_200)], wallet)
    assert [(src.split(" ")[0], y) for _, src, y in cover.used] == [
        ("期間限定ポイント", 200), ("old", 500), ("Amazonポイント", 300), ("new", 200)]
    assert cover.residual == []


def test_amazon_points_are_ranked_by_the_date_the_spend_itself_rolls_them_to():
    # Rolling date 2026-12-20 before the timed points' 12-31, but the 12-10
    # order restarts the year: the points then last to 2027-12-10, and the
    # time-limited ones (and a gift lot expiring sooner) are the ones to use.
    wallet = AmazonWallet(gift_lots=(GiftLot(200, date(2027, 3, 1), label="gift"),),
                          timed_points=(TimedPoints(300, date(2026, 12, 31)),),
                          points=AmazonPoints(1_200, last_order=date(2025, 12, 20)))
    cover = cover_from_balances([Spend(date(2026, 12, 10), 500)], wallet)
    assert [(src.split(" ")[0], y) for _, src, y in cover.used] == [("期間限定ポイント", 300), ("gift", 200)]
    assert cover.unused == [] and cover.points_left == 1_200
    assert cover.points_expiry == date(2027, 12, 10)


def test_amazon_points_last_or_never():
    wallet = AmazonWallet(gift_lots=(GiftLot(1_000, date(2036, 1, 1)),),
                          points=AmazonPoints(300, last_order=date(2026, 11, 1)), points_use="last")
    cover = cover_from_balances([Spend(date(2026, 12, 10), 1_100)], wallet)
    assert [y for *_, y in cover.used] == [1_000, 100]
    never = AmazonWallet(points=AmazonPoints(300, last_order=date(2026, 11, 1)), points_use="never")
    assert cover_from_balances([Spend(date(2026, 12, 10), 100)], never).residual == [
        Spend(date(2026, 12, 10), 100)]


def test_orders_renew_amazon_points_and_lapsed_points_cover_nothing():
    points = AmazonPoints(1_000, last_order=date(2025, 12, 1))  # lapse 2026-12-01
    alone = cover_from_balances([Spend(date(2027, 6, 1), 500)], AmazonWallet(points=points))
    assert alone.residual == [Spend(date(2027, 6, 1), 500)]
    renewed = cover_from_balances([Spend(date(2026, 11, 30), 100), Spend(date(2027, 6, 1), 500)],
                                  AmazonWallet(points=points))
    assert renewed.residual == [] and renewed.points_expiry == date(2028, 6, 1)


def test_gift_arriving_or_expiring_outside_the_spend_day_is_not_used():
    wallet = AmazonWallet(gift_lots=(GiftLot(500, date(2026, 12, 1)),
                                     GiftLot(500, date(2036, 1, 1), arrives=date(2026, 12, 10))))
    cover = cover_from_balances([Spend(date(2026, 12, 10), 800)], wallet)
    assert cover.residual == [Spend(date(2026, 12, 10), 800)]
    assert len(cover.unused) == 2


# --- routes --------------------------------------------------------------------------------

def test_chain_through_dot_money_compounds_exactly():
    into, out = dotmoney_chain()
    [route] = [r for r in find_routes([into, out], {"hapitas"}) if len(r.hops) == 2]
    assert route.rate() == Fraction(300, 297)
    run = run_route(route, 600, (None, None))
    assert (run.points, run.yen, run.leftover) == (600, 600, (6,))  # 594 マネー → ¥600, 6 left
    assert run_route(route, 296, (None, None)) is None  # below the first hop's minimum


def test_chain_runs_are_the_smallest_exchange_for_each_gift_amount():
    # In steps of 100 pt, a 297 マネー step is mostly 3 of them and now and
    # then 2 (leftovers add up): the bisection's guess must not skip those.
    into, out = dotmoney_chain()
    into = replace(into, step_points=100)
    [route] = [r for r in find_routes([into, out], {"hapitas"}) if len(r.hops) == 2]
    expected, best = [], 0
    for amount in range(300, 30_001, 100):
        run = run_route(route, amount, (None, None))
        if run.yen > best:
            expected.append((run.points, run.yen, run.leftover))
            best = run.yen
    runs = runs_up_to(route, 30_000, (None, None))
    assert [(r.points, r.yen, r.leftover) for r in runs] == expected
    assert (runs[32].points, runs[33].points) == (9_900, 10_100)  # 34 × 297 = 10,098: 2 steps, not 3
    assert (len(runs), runs[-1].yen) == (101, 30_300)  # 101 × 297 = 29,997 マネー


def test_routes_skip_unknown_lags_and_cycles():
    into, out = dotmoney_chain()
    back = Exit("dotmoney", "hapitas_x", "loop", 1, 1, 1, 1, 0, 1, "u", SEEN, leads_to="hapitas")
    unknown = gift_exit("moppy", lag=None)
    routes = find_routes([into, out, back, unknown], {"hapitas", "moppy"})
    assert [r.sites for r in routes] == [("hapitas", "dotmoney")]


def test_campaign_bonus_and_discount_respect_the_cap():
    e = gift_exit(pin=500, out=500, minimum_points=500, step_points=500)
    bonus = Campaign("hapitas", "amazon_gift", "10%増量", "bonus", 1_000, None, None, "u", SEEN, cap_points=1_000)
    run = run_route(Route((e,)), 2_000, (bonus,), (1_000,))
    assert (run.yen, run.points, run.hops[0].eligible) == (2_100, 2_000, 1_000)
    discount = Campaign("hapitas", "amazon_gift", "1%割引", "discount", 100, None, None, "u", SEEN)
    run = run_route(Route((e,)), 2_000, (discount,))
    assert (run.yen, run.points) == (2_000, 1_980)


def test_a_discount_outranks_a_bonus_of_the_same_size():
    # 10 % off makes a point go 1/0.9 = 11.1 % further; a 10 % bonus 10 %.
    # Ranked by the number alone, the bonus (key "b") won the tie.
    e = Exit("hapitas", "amazon_gift", "Amazon", 100, 100, 100, 100, 0, 1, "u", SEEN)
    off = Campaign("hapitas", "amazon_gift", "10%割引", "discount", 1_000, None, None, "u", SEEN, ident="a")
    more = Campaign("hapitas", "amazon_gift", "10%増量", "bonus", 1_000, None, None, "u", SEEN, ident="b")
    assert best_campaign(e, TODAY, [off, more]) is off
    bigger = replace(more, bonus_bp=1_200)  # 12 % more beats 11.1 %
    assert best_campaign(e, TODAY, [off, bigger]) is bigger
    plan = plan_amazon_cover([e], {"hapitas": 900}, [Spend(date(2026, 12, 1), 1_000)], TODAY,
                             campaigns=[off, more])
    assert (plan.shortfall, plan.cost) == (0, 900)  # ten 100s for 90 each; the bonus gives ¥990


def test_a_whole_amount_discount_under_a_maximum_plans_without_dividing_by_zero():
    # A 100 % discount takes no points: counting repeats by the points a run
    # takes divided by zero. (The crawl now flags such a campaign; plan anyway.)
    e = Exit("hapitas", "amazon_gift", "Amazon", 100, 100, 100, 100, 0, 1, "u", SEEN, max_points=100)
    free = Campaign("hapitas", "amazon_gift", "100%割引", "discount", 10_000, None, None, "u", SEEN)
    plan = plan_amazon_cover([e], {"hapitas": 300}, [Spend(date(2026, 12, 1), 200)], TODAY, campaigns=[free])
    assert plan.shortfall == 0 and sum(st.yen for st in plan.steps) >= 200


def test_a_discount_on_an_intermediary_lets_more_of_what_arrived_be_exchanged():
    # Found by the independent brute force. 10 % off dot money → Amazon: 891
    # マネー take 802, so the 820 that arrive pay for three lots (¥900), not
    # the two that 820 buy at full price — as a discount does on the first hop.
    into, out = dotmoney_chain()
    off = Campaign("dotmoney", "amazon_gift", "10%割引", "discount", 1_000, None, None, "u", SEEN)
    run = run_route(Route((into, out)), 820, (None, off))
    assert (run.yen, run.hops[1].points, run.hops[1].charged, run.leftover) == (900, 891, 802, (18,))
    capped = replace(off, cap_points=297)  # 29 off at most: 891 would take 862
    run = run_route(Route((into, out)), 820, (None, capped), (None, 297))
    assert (run.yen, run.hops[1].points, run.leftover) == (600, 594, (255,))
    plan = plan_amazon_cover([into, out], {"hapitas": 820}, [Spend(date(2026, 12, 10), 900)], TODAY,
                             campaigns=[off])
    assert (plan.shortfall, plan.cost) == (0, 802)  # 802 arrive: exactly what 891 take


def test_lags_add_in_business_days_across_hops():
    into, out = dotmoney_chain(lag1=1, lag2=5)
    plan = plan_amazon_cover([into, out], {"hapitas": 600}, [Spend(date(2027, 1, 20), 600)],
                             date(2026, 12, 25))
    [step] = plan.steps
    # Fri 12-25 + 1 business day = Mon 12-28; + 5 business days skipping the
    # 12/29–1/3 break and the weekend = Fri 2027-01-08.
    assert step.arrives_by == date(2027, 1, 8)
    assert step.route == ("hapitas", "dotmoney", "amazon_gift")


@pytest.mark.parametrize("start, n, saturdays, expected", [
    (date(2026, 11, 27), 1, False, date(2026, 11, 30)),  # Fri + 1: Monday
    (date(2026, 11, 27), 1, True, date(2026, 11, 28)),  # Fri + 1, Saturday counts: Saturday
    (date(2026, 11, 28), 1, True, date(2026, 11, 30)),  # Sat + 1: never Sunday
    (date(2028, 4, 28), 1, True, date(2028, 5, 1)),  # Sat 2028-04-29 is 昭和の日
    (date(2026, 12, 28), 1, True, date(2027, 1, 4)),  # Sat 01-02 is in the year-end break
])
def test_business_days_with_and_without_saturday(start, n, saturdays, expected):
    assert Calendar().add_business_days(start, n, saturdays) == expected


def test_an_exit_counting_saturday_covers_a_monday_spend_from_friday():
    counts = gift_exit("pointincome", 5_000, 500, lag=1, yen_per_point=Fraction(1, 10),
                       lag_counts_saturday=True)
    weekdays = gift_exit("pointincome", 5_000, 500, lag=1, yen_per_point=Fraction(1, 10))
    spend = [Spend(date(2026, 11, 30), 500)]
    [step] = plan_amazon_cover([counts], {"pointincome": 5_000}, spend, date(2026, 11, 27)).steps
    assert (step.apply_on, step.arrives_by) == (date(2026, 11, 27), date(2026, 11, 28))
    late = plan_amazon_cover([weekdays], {"pointincome": 5_000}, spend, date(2026, 11, 27))
    assert (late.steps, late.shortfall) == ([], 500)  # Monday arrival is not before the spend


# --- the plan ------------------------------------------------------------------------------

def test_cheaper_route_wins_even_with_leftover():
    into, out = dotmoney_chain()
    plan = plan_amazon_cover([gift_exit(), into, out], {"hapitas": 5_000}, [Spend(date(2026, 12, 20), 1_200)], TODAY)
    [step] = plan.steps
    # 4 × 297 = 1,188 pt via dot money beats 3 × 490 = 1,470 pt direct.
    assert (step.points, step.yen, plan.cost) == (1_188, 1_200, 1_188)


@pytest.mark.parametrize("need", [1_500, 1_450])  # exactly reachable; only by going past it
def test_sites_at_the_same_rate_are_not_split_the_first_by_name_pays(need):
    # Ties keep the first plan found: one application instead of two.
    exits = [gift_exit(site, 100, 100) for site in ("moppy", "hapitas", "gendama")]
    plan = plan_amazon_cover(exits, {"moppy": 3_000, "hapitas": 3_000, "gendama": 3_000},
                             [Spend(date(2026, 12, 20), need)], TODAY)
    assert [(s.site, s.points) for s in plan.steps] == [("gendama", 1_500)]
    assert (plan.shortfall, plan.cost, plan.method) == (0, 1_500, "dynamic program")


def test_future_campaign_moves_the_exchange_into_its_window():
    camp = Campaign("hapitas", "amazon_gift", "5%増量", "bonus", 500, date(2026, 12, 1), date(2026, 12, 3),
                    "https://hapitas.example/campaign", SEEN, first_come=True)
    plan = plan_amazon_cover([gift_exit(pin=500, out=500, minimum_points=500, step_points=500)],
                             {"hapitas": 5_000}, [Spend(date(2026, 12, 20), 2_100)], TODAY, campaigns=[camp])
    [step] = plan.steps
    assert step.apply_on == date(2026, 12, 1) and (step.points, step.yen) == (2_000, 2_100)
    assert step.uncertain  # advise() warns of it (see the first-come warning test)


def test_monthly_cap_spreads_over_months():
    e = gift_exit(pin=500, out=500, minimum_points=500, step_points=500, monthly_cap_points=1_000)
    plan = plan_amazon_cover([e], {"hapitas": 5_000}, [Spend(date(2027, 1, 20), 2_000)], TODAY)
    assert sorted((s.apply_on.month, s.points) for s in plan.steps) == [(11, 1_000), (12, 1_000)]


def test_uncoverable_spend_is_reported_with_the_amount():
    plan = plan_amazon_cover([gift_exit(lag=3)], {"hapitas": 5_000},
                             [Spend(date(2026, 11, 25), 1_000), Spend(date(2026, 12, 20), 500)], TODAY)
    assert plan.uncovered == [(date(2026, 11, 25), 1_000)]
    assert any("¥1,000" in w and "2026-11-25" in w for w in plan.warnings)


def test_points_that_lapse_are_not_planned_after_the_lapse():
    e = gift_exit(pin=500, out=500, minimum_points=500, step_points=500, monthly_cap_points=500)
    plan = plan_amazon_cover([e], {"hapitas": 5_000}, [Spend(date(2027, 2, 1), 1_500)], TODAY,
                             available_until={"hapitas": date(2026, 12, 15)})
    assert [s.apply_on.month for s in plan.steps] == [11, 12] and plan.shortfall == 500


# --- waiting, offers, warnings -------------------------------------------------------------

def test_waiting_value_recursion():
    assert waiting_value(0, Fraction(1), (100, 500)) == 0
    assert waiting_value(1, Fraction(1), (100, 500)) == 300
    assert waiting_value(2, Fraction(1), (100, 500)) == 400
    assert waiting_value(5, Fraction(0), (100, 500)) == 0


def _history(every_days=10, bonus=500, drops=()):
    since = TODAY - timedelta(days=100)
    return History(since, tuple(PastCampaign(since + timedelta(days=k), since + timedelta(days=k + 3), bonus)
                                for k in range(0, 100, every_days)), tuple(drops))


def test_wait_only_when_the_deadline_allows_and_it_pays():
    assert should_wait(None, TODAY, TODAY + timedelta(days=30))[0] is False
    assert should_wait(_history(), TODAY, TODAY)[0] is False
    wait, est = should_wait(_history(), TODAY, TODAY + timedelta(days=30))
    assert wait and est.start_chance == Fraction(10, 100) and est.expected_bonus_bp > 400
    assert should_wait(_history(), TODAY, TODAY + timedelta(days=30), bonus_now_bp=500)[0] is False
    drops = [RateChange(TODAY - timedelta(days=k), -300) for k in range(1, 60, 2)]
    assert should_wait(_history(drops=drops), TODAY, TODAY + timedelta(days=30))[0] is False


def test_fashion_offer_advice_inside_the_window():
    offer = RoutingOffer("rakuten_rebates", "Amazon", "Amazonファッション", 100, "ファッション", "要エントリー",
                         date(2026, 12, 1), date(2026, 12, 31), "https://r.example/amazon", SEEN)
    spends = [Spend(date(2026, 12, 10), 12_345, "fashion"), Spend(date(2026, 12, 11), 5_000),
              Spend(date(2027, 1, 5), 3_000, "fashion")]
    [advice] = routing_offer_advice([offer], spends, TODAY)
    assert advice.numbers["eligible_yen"] == 12_345 and advice.numbers["points"] == 123
    assert "要エントリー" in advice.text and advice.source_url == "https://r.example/amazon"
    zero = RoutingOffer("moppy", "Amazon", "Amazon", 0, None, None, None, None, "u", SEEN)
    video = RoutingOffer("moppy", "Amazonプライムビデオ", "無料体験", 500, None, None, None, None, "u", SEEN)
    assert routing_offer_advice([zero, video], spends, TODAY) == []


def test_fashion_cashback_is_rounded_down_per_order():
    # ¥150 twice at 1 % is 1.5 pt an order: the site pays 1 + 1, not ⌊3.0⌋.
    offer = RoutingOffer("rakuten_rebates", "Amazon", "Amazonファッション", 100, "ファッション", None,
                         None, None, "https://r.example/amazon", SEEN)
    spends = [Spend(date(2026, 12, 10), 150, "fashion"), Spend(date(2026, 12, 11), 150, "fashion")]
    [advice] = routing_offer_advice([offer], spends, TODAY)
    assert advice.numbers["eligible_yen"] == 300 and advice.numbers["points"] == 2
    assert "約2pt" in advice.text


def test_fashion_cashback_is_named_in_the_sites_own_unit():
    # PeX pays 1 % in PeXポイント (10 to the yen): ¥12,345 gives 1,234 of
    # them. The advice said 「約1,234pt」 whatever the site's unit.
    offer = RoutingOffer("pex", "Amazon", "Amazonファッション", 100, "ファッション", None,
                         None, None, "https://pex.example/amazon", SEEN, yen_per_point=Fraction(1, 10))
    plan = advise(Situation(TODAY, [], {}, [Spend(date(2026, 12, 10), 12_345, "fashion")], offers=[offer],
                            names={"pex": "PeX"}, units={"pex": "PeXポイント"}))
    [advice] = [a for a in plan.advice if a.kind == "routing_offer"]
    assert advice.numbers["points"] == 1_234
    assert advice.text == "ファッションの買い物 ¥12,345 は PeX 経由で: Amazonファッション 1% → 約1,234PeXポイント（期間 不明）"


def test_fashion_offer_advice_names_the_site_and_says_when_the_window_is_unknown():
    offer = RoutingOffer("rakuten_rebates", "Amazon", "Amazon(ファッション)", 100, "ファッション", None,
                         None, None, "https://r.example/amazon", SEEN)
    spends = [Spend(date(2026, 12, 10), 8_000, "fashion")]
    [advice] = routing_offer_advice([offer], spends, TODAY, {"rakuten_rebates": "楽天リーベイツ"})
    assert "楽天リーベイツ 経由で" in advice.text and "rakuten_rebates" not in advice.text
    assert "期間 不明" in advice.text and "期間 〜" not in advice.text


def test_overlapping_fashion_offers_route_each_spend_through_one_site():
    # Rakuten Rebates pays 1 % all December, Moppy 1.5 % from the 10th to the
    # 20th. The 12-15 order goes through Moppy only (¥150 back, not ¥100 on
    # Rakuten as well); the orders outside Moppy's window through Rakuten.
    rebates = RoutingOffer("rakuten_rebates", "Amazon", "Amazonファッション", 100, "ファッション", None,
                           date(2026, 12, 1), date(2026, 12, 31), "https://r.example/amazon", SEEN)
    moppy = RoutingOffer("moppy", "Amazon", "Amazon Fashion", 150, "ファッション", None,
                         date(2026, 12, 10), date(2026, 12, 20), "https://m.example/amazon", SEEN)
    spends = [Spend(date(2026, 12, 5), 8_000, "fashion"), Spend(date(2026, 12, 15), 10_000, "fashion"),
              Spend(date(2026, 12, 25), 3_000, "fashion"), Spend(date(2026, 12, 15), 5_000)]
    advice = routing_offer_advice([rebates, moppy], spends, TODAY)
    assert [(a.numbers["site"], a.numbers["eligible_yen"], a.numbers["points"], a.numbers["spends"])
            for a in advice] == [("moppy", 10_000, 150, ["2026-12-15"]),
                                 ("rakuten_rebates", 11_000, 110, ["2026-12-05", "2026-12-25"])]
    assert "ファッションの買い物 ¥10,000 は moppy 経由で" in advice[0].text
    assert sum(a.numbers["eligible_yen"] for a in advice) == 21_000  # each yen once


def test_overlapping_fashion_offers_are_compared_by_the_cashback_as_each_site_rounds_it():
    # ¥1,234 at 1 % is 12.34 yen: Rakuten Rebates pays whole points (12 pt =
    # ¥12), PointIncome tenths of a yen (0.99 %: 122 pt = ¥12.2). The lower
    # rate pays more; with ¥1,300 both round exactly and the higher rate wins.
    rebates = RoutingOffer("rakuten_rebates", "Amazon", "Amazonファッション", 100, "ファッション", None,
                           None, None, "https://r.example/amazon", SEEN)
    pointi = RoutingOffer("pointincome", "Amazon", "Amazon ファッション", 99, "ファッション", None,
                          None, None, "https://p.example/amazon", SEEN, yen_per_point=Fraction(1, 10))
    [odd] = routing_offer_advice([rebates, pointi], [Spend(date(2026, 12, 5), 1_234, "fashion")], TODAY)
    assert (odd.numbers["site"], odd.numbers["points"]) == ("pointincome", 122)
    [even] = routing_offer_advice([rebates, pointi], [Spend(date(2026, 12, 5), 1_300, "fashion")], TODAY)
    assert (even.numbers["site"], even.numbers["points"]) == ("rakuten_rebates", 13)


def test_advise_warns_about_lapses_amazon_points_unused_gift_and_leftovers():
    into, out = dotmoney_chain()
    s = Situation(
        today=TODAY, exits=[into, out], balances={"hapitas": 700, "moppy": 900},
        spends=[Spend(date(2026, 12, 20), 600)],
        last_activity={"moppy": date(2026, 6, 1)},
        expiry_rules={"moppy": ExpiryRule(6, "last_activity", "最終ログインから180日"),
                      "dotmoney": ExpiryRule(6, "point_age", "獲得から6ヶ月")},
        amazon=AmazonWallet(gift_lots=(GiftLot(300, date(2027, 1, 10)), GiftLot(200, date(2026, 12, 15))),
                            points=AmazonPoints(50, last_order=date(2026, 1, 10)), points_use="never"),
        names={"moppy": "モッピー", "dotmoney": "ドットマネー"}, units={"dotmoney": "マネー"})
    plan = advise(s)
    text = "\n".join(plan.warnings)
    assert "モッピー: 900pt が 2026-12-01 に失効" in text
    assert "Amazonポイント 50pt の有効期限は 2027-12-20" in text  # renewed by the 12-20 order
    assert "¥200 が使われないまま 2026-12-15 に失効" in text
    assert "ドットマネー: 交換後 3マネー が残ります" in text and "獲得から6ヶ月" in text
    assert plan.steps[0].yen == 300 and plan.shortfall == 0


def test_time_limited_points_no_planned_order_uses_are_warned_of_in_points():
    # 500 pt lapse on 12-31 and the 12-10 order uses 200 of them; 1,200 pt
    # lapsing on 12-05 come before any order; 300 pt lapsed on 11-01 already.
    # Counted in pt (not 「¥300 が使われないまま」 like gift balance).
    s = Situation(today=TODAY, exits=[gift_exit()], balances={}, spends=[Spend(date(2026, 12, 10), 200)],
                  amazon=AmazonWallet(timed_points=(TimedPoints(500, date(2026, 12, 31)),
                                                    TimedPoints(1_200, date(2026, 12, 5)),
                                                    TimedPoints(300, date(2026, 11, 1)))))
    assert advise(s).warnings == [  # soonest first, not in the wallet's order
        "期間限定ポイント 300pt は 2026-11-01 に失効しています",
        "期間限定ポイント 1,200pt が 2026-12-05 に失効します（使う予定の注文がありません）",
        "期間限定ポイント 300pt が 2026-12-31 に失効します（使う予定の注文がありません）",
    ]
    cover = cover_from_balances(s.spends, s.amazon)
    assert cover.unused == [] and cover.timed_unused == [
        (300, date(2026, 12, 31)), (1_200, date(2026, 12, 5)), (300, date(2026, 11, 1))]
    # every point used by an order before its date: nothing to warn of
    used = replace(s, spends=[Spend(date(2026, 12, 1), 1_200), Spend(date(2026, 12, 20), 500)],
                   amazon=AmazonWallet(timed_points=s.amazon.timed_points[:2]))
    assert advise(used).warnings == []
    assert timed_points_label(12_345) == "期間限定ポイント 12,345pt"


def test_lapse_warnings_of_each_kind_come_soonest_first_whatever_the_wallets_order():
    """A user reads the soonest risk first: site points, gift lots and
    time-limited points are each warned of by their date (ties: the wallet's
    order), not in the order the wallet lists them."""
    s = Situation(
        today=TODAY, exits=[gift_exit("moppy"), gift_exit("hapitas")], balances={"hapitas": 100, "moppy": 100},
        spends=[],
        last_activity={"hapitas": date(2025, 12, 20), "moppy": date(2026, 6, 1)},
        expiry_rules={"hapitas": ExpiryRule(12, "last_login", "12ヶ月間ログインがない場合"),
                      "moppy": ExpiryRule(6, "last_activity", "最終利用から6ヶ月")},
        amazon=AmazonWallet(gift_lots=(GiftLot(300, date(2027, 1, 10), label="c"),
                                       GiftLot(200, date(2026, 12, 15), label="b"),
                                       GiftLot(100, date(2026, 12, 15), label="a"),
                                       GiftLot(400, date(2026, 11, 1), label="d")),
                            timed_points=(TimedPoints(500, date(2026, 12, 31)),
                                          TimedPoints(1_200, date(2026, 12, 5)))),
        names={"hapitas": "ハピタス", "moppy": "モッピー"})
    assert advise(s).warnings == [
        "モッピー: 100pt が 2026-12-01 に失効します（最終利用から6ヶ月）",
        "ハピタス: 100pt が 2026-12-20 に失効します（12ヶ月間ログインがない場合）",
        "期間限定ポイント 1,200pt が 2026-12-05 に失効します（使う予定の注文がありません）",
        "期間限定ポイント 500pt が 2026-12-31 に失効します（使う予定の注文がありません）",
        "d (期限 2026-11-01): ¥400 は 2026-11-01 に失効しています",
        "b (期限 2026-12-15): ¥200 が使われないまま 2026-12-15 に失効します",
        "a (期限 2026-12-15): ¥100 が使われないまま 2026-12-15 に失効します",
        "c (期限 2027-01-10): ¥300 が使われないまま 2027-01-10 に失効します",
    ]


def test_a_held_step_renews_the_sites_points_on_the_day_it_waits_to_not_today():
    # a's points lapse 180 days from the last login, 2026-12-13. Today's step
    # (¥2,000 for a spend months away) waits for a's frequent campaigns — to
    # 12-13 at the latest, never past the lapse. The warning on the 8,000 pt
    # it leaves counted today's exchange as the renewal (2027-05-22, 「11-23 の
    # 交換で延長」) though nothing is exchanged today: they lapse 180 days from
    # the exchange the advice makes, 12-13 if no campaign comes sooner.
    def plan_for(days):
        return advise(Situation(
            TODAY, [_one_to_one()], {"a": 10_000}, [Spend(TODAY + timedelta(days=days), 2_000)],
            histories=_frequent(), last_activity={"a": TODAY - timedelta(days=160)},
            expiry_rules={"a": ExpiryRule(6, "last_login", "最終ログインから180日", days=180)}))

    warning = ("a: 8,000pt が 2027-06-11 に失効します（最終ログインから180日。待つ助言どおり 2026-12-13 に"
               "交換して延長した日。早く交換すればその分早まります）")
    plan = plan_for(200)
    assert [(s.points, s.apply_on, s.apply_by) for s in plan.steps] == [(2_000, TODAY, date(2026, 12, 13))]
    assert plan.now == [] and plan.left == {"a": 8_000}
    [wait] = [a for a in plan.advice if a.kind == "wait"]
    assert wait.numbers["wait_until"] == "2026-12-13"  # the lapse: no later
    assert plan.warnings == [warning]
    # The last spend 06-01: held to 12-13 the rest lapses after it, but an
    # exchange on a campaign sooner (from tomorrow) may bring it before: still news.
    assert plan_for(190).warnings == [warning]


def test_a_planned_exchange_renews_the_sites_points_where_exchanging_is_activity():
    # Moppy's 180 days count from the last login: the exchange the plan makes on
    # 11-23 renews them, so what it leaves lapses 2027-05-22, not 12-01.
    into, out = dotmoney_chain("moppy")
    s = Situation(
        today=TODAY, exits=[into, out], balances={"moppy": 900}, spends=[Spend(date(2026, 12, 20), 300)],
        last_activity={"moppy": date(2026, 6, 4)},
        expiry_rules={"moppy": ExpiryRule(6, "last_activity", "最終ログインから180日", days=180)},
        names={"moppy": "モッピー"})
    plan = advise(s)
    [step] = plan.steps
    assert (step.site, step.points, step.apply_on) == ("moppy", 300, date(2026, 11, 23))
    assert [w for w in plan.warnings if "失効" in w] == []  # 2027-05-22 is past the 90-day horizon
    far = replace(s, spends=[Spend(date(2027, 5, 30), 300)])
    plan = advise(far)
    [step] = plan.steps
    assert [w for w in plan.warnings if "失効" in w] == [
        f"モッピー: 600pt が {step.apply_on + timedelta(days=180)} に失効します（最終ログインから180日。"
        f"{step.apply_on} の交換で延長した日）"]
    # Another site lapsing the same day, not renewed: both are warned of (the
    # order once compared a renewal date with None).
    both = replace(far, balances={"moppy": 900, "pointtown": 40},
                   last_activity={"moppy": date(2026, 6, 4), "pointtown": step.apply_on},
                   expiry_rules={**far.expiry_rules,
                                 "pointtown": ExpiryRule(6, "last_earned", "最終獲得から180日", days=180)})
    assert [w.split(":")[0] for w in advise(both).warnings if "失効" in w] == ["モッピー", "pointtown"]
    # Points that count from the last point earned are not renewed by an exchange.
    earned = replace(s, expiry_rules={"moppy": ExpiryRule(6, "last_earned", "最終獲得から180日", days=180)})
    assert [w for w in advise(earned).warnings if "失効" in w] == [
        "モッピー: 600pt が 2026-12-01 に失効します（最終獲得から180日）"]


def test_points_that_lapse_by_age_are_warned_of_as_the_oldest_not_all():
    # ECnavi: what the wallet dates is when the oldest points were earned; only those go.
    rule = ExpiryRule(12, "point_age", "獲得から1年経過したポイントは3ヶ月ごとに失効")
    s = Situation(today=TODAY, exits=[], balances={"ecnavi": 900, "pointtown": 50},
                  spends=[Spend(date(2026, 12, 20), 500)], last_activity={"ecnavi": date(2025, 12, 15)},
                  expiry_rules={"ecnavi": rule, "pointtown": replace(rule, wording="獲得から6ヶ月")},
                  names={"ecnavi": "ECナビ", "pointtown": "ポイントタウン"})
    warnings = advise(s).warnings
    assert "ECナビ: 900pt のうち古い分 が 2026-12-15 に失効します（獲得から1年経過したポイントは3ヶ月ごとに失効）" in warnings
    assert "ポイントタウン: 最も古いポイントの獲得日が未登録のため失効日を確認できません" in warnings


def test_an_exit_of_unknown_lag_is_named_as_the_user_reads_it():
    unknown = Exit("moppy", "amazon_gift", "Amazonギフトコード", 500, 500, 500, 500, 0, None,
                   "https://moppy.example/exchange/", SEEN)
    s = Situation(today=TODAY, exits=[unknown], balances={"moppy": 1_000},
                  spends=[Spend(date(2026, 12, 20), 500)], names={"moppy": "モッピー"})
    plan = advise(s)
    assert plan.steps == [] and plan.shortfall == 500
    assert "モッピー Amazonギフトコード: 交換日数が不明なため計画に使えません" in plan.warnings  # not "moppy …"


def test_what_every_step_leaves_on_dot_money_is_one_warning_with_the_total():
    """Two steps each leaving 3 マネー printed 「交換後 3 が残ります」 twice."""
    h_into, out = dotmoney_chain("hapitas")
    m_into, _ = dotmoney_chain("moppy")
    s = Situation(today=TODAY, exits=[h_into, m_into, out], balances={"hapitas": 400, "moppy": 400},
                  spends=[Spend(date(2026, 12, 20), 600)], names={"dotmoney": "ドットマネー"},
                  units={"dotmoney": "マネー"})
    plan = advise(s)
    # 300 pt → 300 マネー → 297 → ¥300 from each site: 3 マネー left each time
    assert [(st.site, st.leftover) for st in plan.steps] == [
        ("moppy", (("dotmoney", 3),)), ("hapitas", (("dotmoney", 3),))]
    assert [w for w in plan.warnings if "交換後" in w] == ["ドットマネー: 交換後 6マネー が残ります"]


def test_each_first_come_step_is_warned_of_once_naming_its_site():
    """Two sites' routes through dot money's first-come campaign read alike
    without the site: the warning was printed twice, word for word."""
    h_into, out = dotmoney_chain("hapitas")
    m_into, _ = dotmoney_chain("moppy")
    camp = Campaign("dotmoney", "amazon_gift", "2%増量", "bonus", 200, TODAY, date(2026, 11, 30),
                    "https://d-money.example/campaign", SEEN, first_come=True)
    s = Situation(today=TODAY, exits=[h_into, m_into, out], balances={"hapitas": 1_200, "moppy": 1_200},
                  spends=[Spend(date(2026, 12, 20), 2_300)], campaigns=[camp],
                  names={"hapitas": "ハピタス", "moppy": "モッピー", "dotmoney": "ドットマネー"})
    plan = advise(s)
    assert sorted(st.site for st in plan.steps if st.uncertain) == ["hapitas", "moppy"]
    assert [w for w in plan.warnings if "先着" in w] == [
        f"{st.apply_on} の {s.names[st.site]} → ドットマネー → Amazonギフト (ドットマネー): "
        "先着順キャンペーンを前提にしています（締切前に終わると受取が減ります）"
        for st in plan.steps if st.uncertain]


# --- waiting, spend by spend ---------------------------------------------------------------

def test_waiting_values_per_kind_match_the_recursion():
    assert waiting_values(2, [(Fraction(1, 2), Fraction(100)), (Fraction(1, 2), Fraction(500))]) == [0, 300, 400]
    # alike kinds merge; kinds worth nothing are ignored
    assert waiting_values(2, [(Fraction(1, 4), Fraction(100)), (Fraction(1, 4), Fraction(100)),
                              (Fraction(1, 2), Fraction(500)), (Fraction(1, 2), Fraction(-50))]) == [0, 300, 400]


def test_campaign_chances_value_a_campaign_by_its_route_and_share_its_cap():
    since = TODAY - timedelta(days=100)
    history = History(since, (PastCampaign(since + timedelta(days=5), None, 1_000),
                              PastCampaign(since + timedelta(days=50), None, 1_000, cap_points=20_000),
                              PastCampaign(TODAY + timedelta(days=1), None, 1_000)))  # not seen yet
    via_dotmoney = Stream(history, Fraction(300, 297))
    # 300/297 × 1.1 against a standing 500/490 is 49/45: +8000/9 bp
    assert campaign_chances([via_dotmoney], TODAY, Fraction(500, 490), waiting_yen=80_000) == [
        (Fraction(1, 100), Fraction(8_000, 9)), (Fraction(1, 400), Fraction(8_000, 9))]
    assert campaign_chances([via_dotmoney], TODAY, Fraction(500, 490))[1] == (Fraction(1, 100), Fraction(8_000, 9))


def test_spend_deadlines_are_the_last_day_the_slowest_route_from_the_held_sites_delivers():
    cal = Calendar()
    into, out = dotmoney_chain(lag1=1, lag2=5)
    exits = [gift_exit(lag=3), into, out, gift_exit(site="chobirich", lag=0)]
    spends = [Spend(date(2026, 11, 25), 1_000), Spend(date(2026, 12, 4), 1_000)]
    # Hapitas's direct exit (3 days) could wait until 11-30; its dot money
    # chain must start by 11-25 (26th, then 3 Dec). 11-25 is too late already: today.
    assert spend_deadlines(exits, {"hapitas"}, spends, TODAY, cal) == [TODAY, date(2026, 11, 25)]
    assert spend_deadlines(exits, {"chobirich"}, spends, TODAY, cal) == [date(2026, 11, 24), date(2026, 12, 3)]


def test_spend_deadlines_count_saturday_where_the_exit_does():
    # Next business day, Saturday included: Friday 11-27 arrives on Saturday,
    # before Monday's spend; counted Monday to Friday it would arrive Monday.
    spend = [Spend(date(2026, 11, 30), 1_000)]
    weekdays = gift_exit(site="pointincome", lag=1)
    assert spend_deadlines([weekdays], {"pointincome"}, spend, TODAY, Calendar()) == [date(2026, 11, 26)]
    saturday = replace(weekdays, lag_counts_saturday=True)
    assert spend_deadlines([saturday], {"pointincome"}, spend, TODAY, Calendar()) == [date(2026, 11, 27)]


def _step(for_spend, arrives, yen):
    return Step("a", "a", yen, 0, yen, TODAY, arrives, for_spend, "u", SEEN, apply_on=TODAY, cost=Fraction(yen))


def test_paid_parts_pour_each_step_into_the_spends_from_its_first_one():
    d1, d2 = date(2026, 12, 1), date(2026, 12, 20)
    early, late = _step(d1, date(2026, 11, 24), 2_500), _step(d2, date(2026, 12, 10), 500)
    assert paid_parts([Spend(d1, 1_000), Spend(d2, 2_000)], [late, early]) == [
        (0, Spend(d1, 1_000), early), (1, Spend(d2, 1_500), early), (1, Spend(d2, 500), late)]
    only_late = _step(d2, TODAY, 3_000)
    assert paid_parts([Spend(d1, 1_000), Spend(d2, 2_000)], [only_late]) == [
        (0, Spend(d1, 1_000), None), (1, Spend(d2, 2_000), only_late)]


def test_marginal_rates_are_the_worst_plain_rate_paying_the_spend_or_a_later_one():
    d1, d2 = date(2026, 12, 1), date(2026, 12, 20)
    dear, cheap = _step(d1, TODAY, 1_000), replace(_step(d2, TODAY, 1_020), cost=Fraction(1_000))
    assert marginal_rates([Spend(d1, 1_000), Spend(d2, 1_020)], [dear, cheap]) == [1, Fraction(102, 100)]
    worse_later = replace(_step(d2, TODAY, 1_000), for_spend=d2)
    first_best = replace(_step(d1, TODAY, 1_020), cost=Fraction(1_000))
    assert marginal_rates([Spend(d1, 1_020), Spend(d2, 1_000)], [first_best, worse_later]) == [1, 1]
    assert marginal_rates([Spend(d1, 1_000)], []) == [None]


def _frequent(site="a", bonus=500):
    return {(site, "amazon_gift"): _history(every_days=10, bonus=bonus)}


def _one_to_one(site="a", pin=100, out=100):
    return gift_exit(site=site, pin=pin, out=out, lag=0)


def test_a_spend_far_off_waits_and_one_due_today_is_exchanged_alone():
    near, far = Spend(TODAY + timedelta(days=1), 1_000), Spend(TODAY + timedelta(days=60), 2_000)
    plan = advise(Situation(TODAY, [_one_to_one()], {"a": 10_000}, [near, far], histories=_frequent()))
    assert [(s.points, s.apply_on) for s in plan.steps] == [(3_000, TODAY)]  # the whole plan: all today
    assert [(s.points, s.yen, s.cost) for s in plan.now] == [(1_000, 1_000, 1_000)]
    [wait] = [a for a in plan.advice if a.kind == "wait"]
    assert wait.numbers["yen"] == 2_000 and wait.numbers["spends"] == [far.on.isoformat()]
    assert wait.numbers["wait_until"] == (far.on - timedelta(days=1)).isoformat()


def test_one_exit_split_into_several_of_todays_steps_gets_one_wait_advice():
    # a's exit takes at most 1,000 pt an exchange: the plan makes three of
    # today's steps of it (two for the 12-23 spend, one for 01-22), all worth
    # waiting for a's frequent campaigns. Each step had its own advice — three
    # 「a Amazon: ¥1,000 分は … まで待つ」, one of them covering both spends.
    near, far = Spend(TODAY + timedelta(days=30), 1_500), Spend(TODAY + timedelta(days=60), 1_500)
    capped = replace(_one_to_one(), max_points=1_000)
    plan = advise(Situation(TODAY, [capped], {"a": 10_000}, [near, far], histories=_frequent()))
    assert [(s.points, s.apply_on, s.for_spend) for s in plan.steps] == [
        (1_000, TODAY, near.on), (1_000, TODAY, near.on), (1_000, TODAY, far.on)]
    assert plan.now == []
    [wait] = [a for a in plan.advice if a.kind == "wait"]
    assert (wait.numbers["exit"], wait.numbers["yen"], wait.numbers["wait_until"], wait.numbers["spends"]) == (
        "a Amazon", 3_000, "2026-12-22", ["2026-12-23", "2027-01-22"])
    assert wait.text.startswith("a a Amazon: ¥3,000 分は待つ価値あり（¥1,500 分は 2026-12-22 まで、"
                                "¥1,500 分は 2027-01-21 まで）")


def test_wait_advice_for_parts_due_on_different_days_weighs_each_by_its_own_day():
    # One step pays ¥1,000 due 12-23 (apply by 12-22) and ¥2,000 due 01-22
    # (apply by 01-21), both held. The advice said 「¥3,000 分は 12-22 まで」
    # with the 12-22 part's +4.76 % for all ¥3,000: the ¥2,000 part can wait
    # to 01-21 and is worth +4.99 %. Each part keeps its own day and figures;
    # the advice's figures are their yen-weighted mean.
    near, far = Spend(TODAY + timedelta(days=30), 1_000), Spend(TODAY + timedelta(days=60), 2_000)
    plan = advise(Situation(TODAY, [_one_to_one()], {"a": 10_000}, [near, far], histories=_frequent()))
    assert [(s.points, s.apply_on) for s in plan.steps] == [(3_000, TODAY)] and plan.now == []
    [wait] = [a for a in plan.advice if a.kind == "wait"]
    v_near, v_far = Fraction(279797781178474, 587256079483), Fraction(143708962483616, 287992954195)
    assert wait.numbers["parts"] == [
        {"why": "worth_waiting", "wait_until": "2026-12-22", "yen": 1_000, "spends": ["2026-12-23"],
         "expected_bonus_bp": str(v_near), "expected_loss_bp": "0", "gain_now_bp": "0"},
        {"why": "worth_waiting", "wait_until": "2027-01-21", "yen": 2_000, "spends": ["2027-01-22"],
         "expected_bonus_bp": str(v_far), "expected_loss_bp": "0", "gain_now_bp": "0"}]
    assert wait.numbers["why"] == ["worth_waiting"]
    mean = (1_000 * v_near + 2_000 * v_far) / 3_000
    assert (wait.numbers["yen"], wait.numbers["wait_until"]) == (3_000, "2026-12-22")
    assert Fraction(wait.numbers["expected_bonus_bp"]) == mean == Fraction(wait.numbers["gain_over_now_bp"])
    assert wait.text == (
        "a a Amazon: ¥3,000 分は待つ価値あり（¥1,000 分は 2026-12-22 まで、¥2,000 分は 2027-01-21 まで）— "
        "過去100日でこの交換先のキャンペーン開始 10 回、他の交換先も合わせた期待上乗せ +4.91%、"
        "レート低下リスク −0.00%（各分のその日までの見込みを金額で平均）。キャンペーンがなければそれぞれの日に申請")


def test_a_campaign_better_than_waiting_is_taken_for_every_spend():
    near, far = Spend(TODAY + timedelta(days=1), 1_000), Spend(TODAY + timedelta(days=60), 2_000)
    now = Campaign("a", "amazon_gift", "+10%", "bonus", 1_000, TODAY, TODAY, "u", SEEN)
    plan = advise(Situation(TODAY, [_one_to_one()], {"a": 10_000}, [near, far], campaigns=[now],
                            histories=_frequent()))
    assert [(s.points, s.yen) for s in plan.now] == [(2_800, 3_080)]  # 2,700 pt would give 2,970
    assert not [a for a in plan.advice if a.kind == "wait"]


def test_wait_advice_is_measured_against_what_exchanging_today_already_gains():
    # a's campaigns: +5 % every 10 days, so waiting 60 days is worth just under
    # +5 %. Today's own +5 % (or more) is at least that: no wait advice. Today's
    # +2 % is less: the advice waits, and shows what waiting adds to the +2 %.
    far = Spend(TODAY + timedelta(days=60), 2_000)

    def plan_with(bp):
        today = Campaign("a", "amazon_gift", f"+{bp}", "bonus", bp, TODAY, TODAY, "u", SEEN)
        return advise(Situation(TODAY, [_one_to_one()], {"a": 10_000}, [far], campaigns=[today],
                                histories=_frequent()))

    for bp in (500, 700):
        plan = plan_with(bp)
        assert not [a for a in plan.advice if a.kind == "wait"] and plan.now[0].campaigns == (f"+{bp}",)
    [wait] = [a for a in plan_with(200).advice if a.kind == "wait"]
    expected = Fraction(wait.numbers["expected_bonus_bp"])
    assert 490 < expected < 500 and wait.numbers["expected_loss_bp"] == "0"
    assert Fraction(wait.numbers["gain_now_bp"]) == 200
    assert Fraction(wait.numbers["gain_over_now_bp"]) == expected - 200
    assert "今日交換しても +2.00% のため待つ利得は差し引き +2.99%" in wait.text
    assert "今のキャンペーン" not in wait.text


def test_a_gain_today_is_weighed_against_what_capped_campaigns_to_come_can_cover():
    # a's campaigns: +5 % on at most 1,000 pt, every 10 days; ¥3,000 due in
    # 60 days; today +4.5 % on everything. V(W) shares each campaign's chance
    # by its cap (1,000 of ¥3,000: one a month) and gives +4.32 %: take today's
    # +4.5 %. But each of the ~6 campaigns to come pays its own 1,000 pt: the
    # three chunks wait for the first three of them, worth 5 % · E[min(N, 3)]
    # / 3 = +4.87 % (N starts in 59 days) — more than today's gain: hold.
    far = Spend(TODAY + timedelta(days=60), 3_000)
    since = TODAY - timedelta(days=100)
    capped = {("a", "amazon_gift"): History(since, tuple(
        PastCampaign(since + timedelta(days=k), since + timedelta(days=k + 3), 500, cap_points=1_000)
        for k in range(0, 100, 10)))}
    today = Campaign("a", "amazon_gift", "+4.5%", "bonus", 450, TODAY, TODAY, "u", SEEN)
    plan = advise(Situation(TODAY, [_one_to_one()], {"a": 10_000}, [far], campaigns=[today], histories=capped))
    stream = Stream(capped[("a", "amazon_gift")], Fraction(1), sizes=((500, Fraction(1_000), 10),))
    shared = waiting_values(59, campaign_chances([stream], TODAY, Fraction(1), 3_000))[59]
    assert 431 < shared < 433  # the old rule: exchange today
    p = Fraction(1, 10)
    short = sum((3 - n) * comb(59, n) * p ** n * (1 - p) ** (59 - n) for n in range(3))
    assert plan.now == []
    [wait] = [a for a in plan.advice if a.kind == "wait"]
    assert (wait.numbers["yen"], wait.numbers["wait_until"]) == (3_000, "2027-01-21")
    held_for = Fraction(wait.numbers["expected_bonus_bp"])
    assert float(held_for) == pytest.approx(float(500 * (3 - short) / 3))
    assert shared < Fraction(wait.numbers["gain_now_bp"]) < held_for  # steps round today's +4.5 % a little


def test_a_campaign_today_on_a_later_hop_counts_as_todays_gain():
    # The same test with today's campaign on the route's second hop (dot money
    # → Amazon): a's exits see a +5 % campaign once in 100 days, worth +2.24 %
    # over 60 days. Today's +3 % on dot money beats it: exchange now. (Judged
    # against a plan that already had today's +3 % in its rates, waiting looked
    # worth +0.87 % more and the advice said wait.) Today's +2 % does not: wait,
    # and the advice shows the +2 % and what waiting adds to it.
    far = Spend(TODAY + timedelta(days=60), 2_000)
    into, out = dotmoney_chain("a", 0, 0)
    rare = {("a", "dotmoney"): _history(every_days=100, bonus=500)}

    def plan_with(bp):
        today = Campaign("dotmoney", "amazon_gift", f"+{bp}", "bonus", bp, TODAY, TODAY, "u", SEEN)
        return advise(Situation(TODAY, [into, out], {"a": 10_000}, [far], campaigns=[today], histories=rare))

    plan = plan_with(300)
    assert not [a for a in plan.advice if a.kind == "wait"]
    assert [(s.points, s.yen, s.campaigns) for s in plan.now] == [(2_079, 2_163, ("+300",))]
    [wait] = [a for a in plan_with(200).advice if a.kind == "wait"]
    assert Fraction(wait.numbers["gain_now_bp"]) == 200
    assert "期待上乗せ +2.24%" in wait.text and "今日交換しても +2.00% のため待つ利得は差し引き +0.24%" in wait.text


def test_wait_advice_says_nothing_of_an_exits_history_when_none_is_stored():
    # a's dot money exit has a history (+5 % every 10 days), its direct exit
    # none: the part waiting on the direct exit said 「過去0日で…開始 0 回」.
    far = Spend(TODAY + timedelta(days=60), 2_000)
    into, out = dotmoney_chain("a", 0, 0)
    plan = advise(Situation(TODAY, [_one_to_one(), into, out], {"a": 10_000}, [far],
                            histories={("a", "dotmoney"): _history(every_days=10, bonus=500)}))
    waits = {a.numbers["exit"]: a for a in plan.advice if a.kind == "wait"}
    assert sorted(waits) == ["a Amazon", "ドットマネー"]
    direct = waits["a Amazon"]
    assert "過去" not in direct.text and " 回、" not in direct.text
    assert "待つ価値あり — 他の交換先も合わせた期待上乗せ +4.99%" in direct.text
    assert (direct.numbers["days_observed"], direct.numbers["campaigns_seen"]) == (0, 0)
    assert "過去100日でこの交換先のキャンペーン開始 10 回、" in waits["ドットマネー"].text


def test_history_text_is_empty_without_a_campaign_seen():
    est = estimate(_history(every_days=10), TODAY, 30)
    assert history_text(est) == "過去100日でこの交換先のキャンペーン開始 10 回、"
    # an exit first seen today, or seen for months without a campaign
    assert history_text(estimate(History(TODAY), TODAY, 30)) == ""
    assert history_text(estimate(History(TODAY - timedelta(days=200)), TODAY, 30)) == ""
    assert history_text(replace(est, days_observed=0, bonuses_bp=())) == ""


def test_without_history_nothing_waits():
    near, far = Spend(TODAY + timedelta(days=1), 1_000), Spend(TODAY + timedelta(days=60), 2_000)
    plan = advise(Situation(TODAY, [_one_to_one()], {"a": 10_000}, [near, far]))
    assert plan.now == plan.steps and [s.points for s in plan.now] == [3_000]


def test_points_with_campaigns_ahead_are_kept_and_others_used_for_what_is_due():
    # Site a is 2 % better today, but its campaigns (+10 % every 10 days) make
    # its points worth more kept: the far spend needs all that a holds, so the
    # due spend is paid from b.
    near, far = Spend(TODAY + timedelta(days=1), 1_000), Spend(TODAY + timedelta(days=60), 2_000)
    exits = [_one_to_one("a", 490, 500), _one_to_one("b", 500, 500)]
    plan = advise(Situation(TODAY, exits, {"a": 2_000, "b": 10_000}, [near, far],
                            histories=_frequent("a", 1_000)))
    assert [(s.site, s.points) for s in plan.steps] == [("a", 1_960), ("b", 1_000)]  # the plan alone
    assert [(s.site, s.points, s.cost) for s in plan.now] == [("b", 1_000, 1_000)]


def test_a_campaign_whose_points_are_worth_more_kept_does_not_make_a_plain_exchange_now():
    # a's +5 % today beats waiting for the near spend (4 days left), but a's
    # 2,000 pt are worth more kept for its +10 % campaigns (every 10 days) and
    # the far spend, so at the keep prices today's part would be paid from b
    # at the plain rate — which b gives just as well on the near spend's last
    # day. So nothing is exchanged today (before: b's 2,000 pt at once).
    near, far = Spend(TODAY + timedelta(days=5), 2_000), Spend(TODAY + timedelta(days=60), 2_000)
    now = Campaign("a", "amazon_gift", "+5%", "bonus", 500, TODAY, TODAY, "u", SEEN)
    plan = advise(Situation(TODAY, [_one_to_one("a"), _one_to_one("b")], {"a": 2_000, "b": 10_000}, [near, far],
                            campaigns=[now], histories=_frequent("a", 1_000)))
    assert [(s.site, s.points, s.campaigns) for s in plan.steps] == [("a", 2_000, ("+5%",)), ("b", 1_900, ())]
    assert plan.now == []
    # a's exit also holds ¥100 of the far spend worth waiting for: one advice, a part each
    [wait] = [a for a in plan.advice if a.kind == "wait" and a.numbers["site"] == "a"]
    assert wait.numbers["why"] == ["worth_more_kept", "worth_waiting"]
    [kept] = [p for p in wait.numbers["parts"] if p["why"] == "worth_more_kept"]
    assert (kept["yen"], kept["spends"]) == (2_000, [near.on.isoformat()])
    assert kept["wait_until"] == wait.numbers["wait_until"] == (near.on - timedelta(days=1)).isoformat()
    assert Fraction(kept["keep_price"]) > Fraction(105, 100)  # more than today's +5 % gives


def test_parts_put_off_for_their_keep_price_each_wait_to_their_own_day():
    # The market above with the near spend split over 11-28 and 11-30: both
    # parts are put off, and the 11-30 one can wait to 11-29. The advice said
    # 「¥2,000 分は … 2026-11-27 まで待つ」 for both.
    n1, n2 = Spend(TODAY + timedelta(days=5), 1_000), Spend(TODAY + timedelta(days=7), 1_000)
    far = Spend(TODAY + timedelta(days=60), 2_000)
    now = Campaign("a", "amazon_gift", "+5%", "bonus", 500, TODAY, TODAY, "u", SEEN)
    plan = advise(Situation(TODAY, [_one_to_one("a"), _one_to_one("b")], {"a": 2_000, "b": 10_000}, [n1, n2, far],
                            campaigns=[now], histories=_frequent("a", 1_000)))
    assert plan.now == []
    [wait] = [a for a in plan.advice if a.kind == "wait" and a.numbers["site"] == "a"]
    kept = [p for p in wait.numbers["parts"] if p["why"] == "worth_more_kept"]
    assert [(p["wait_until"], p["yen"], p["spends"], p["campaigns"]) for p in kept] == [
        ("2026-11-27", 1_000, ["2026-11-28"], ["+5%"]), ("2026-11-29", 1_000, ["2026-11-30"], ["+5%"])]
    assert kept[0]["keep_price"] == kept[1]["keep_price"] == "2181817/2000000"
    assert wait.text.startswith(
        "a a Amazon: ¥2,100 分は分ごとの理由で待つ — ① ¥2,000 分は今日のキャンペーンでも交換せず待つ"
        "（¥1,000 分は 2026-11-27 まで、¥1,000 分は 2026-11-29 まで）— a のポイントは今後のキャンペーンに"
        "残すほうが価値が高く（残す価値 1.0909 円/円）、今日交換すると通常レートになるため。"
        "キャンペーンがなければそれぞれの日に申請。② ¥100 分は 2027-01-21 まで待つ価値あり — ")


def test_points_beyond_what_the_spend_left_needs_are_used_at_the_better_rate():
    # The same market, but a holds 10,000 pt: after the due spend it still
    # holds far more than the far spend (¥2,000) can take in any campaign, so
    # keeping its points gains nothing and the due spend gets a's 2 % better rate.
    near, far = Spend(TODAY + timedelta(days=1), 1_000), Spend(TODAY + timedelta(days=60), 2_000)
    exits = [_one_to_one("a", 490, 500), _one_to_one("b", 500, 500)]
    plan = advise(Situation(TODAY, exits, {"a": 10_000, "b": 10_000}, [near, far],
                            histories=_frequent("a", 1_000)))
    assert [(s.site, s.points, s.yen, s.cost) for s in plan.now] == [("a", 980, 1_000, 980)]


def test_a_campaign_that_runs_on_is_held_to_its_last_day_unless_first_come():
    # The same +10 % as above, running three more days: the far spend loses
    # nothing by waiting (the campaign is there until then) and keeps the
    # chance of a better one; the near spend is due today. A first-come
    # campaign may end any day, so it is taken now.
    near, far = Spend(TODAY + timedelta(days=1), 1_000), Spend(TODAY + timedelta(days=60), 2_000)
    runs_on = Campaign("a", "amazon_gift", "+10%", "bonus", 1_000, TODAY, TODAY + timedelta(days=3), "u", SEEN)
    plan = advise(Situation(TODAY, [_one_to_one()], {"a": 10_000}, [near, far], campaigns=[runs_on],
                            histories=_frequent()))
    assert [(s.points, s.yen) for s in plan.now] == [(1_000, 1_100)]  # 900 pt would give 990
    [wait] = [a for a in plan.advice if a.kind == "wait"]
    assert (wait.numbers["yen"], wait.numbers["spends"], wait.numbers["wait_until"]) == (
        2_000, [far.on.isoformat()], runs_on.ends_on.isoformat())
    first_come = replace(runs_on, first_come=True)
    plan = advise(Situation(TODAY, [_one_to_one()], {"a": 10_000}, [near, far], campaigns=[first_come],
                            histories=_frequent()))
    assert [(s.points, s.yen) for s in plan.now] == [(2_800, 3_080)]
    assert not [a for a in plan.advice if a.kind == "wait"]


def test_one_exit_holding_parts_for_different_reasons_gets_one_wait_advice():
    # +10 % on a's first 1,000 pt runs three more days and is not first-come:
    # its ¥1,100 part waits to 11-26 (it loses nothing). The plain ¥1,900 rest
    # of the far spend is worth waiting for a's frequent +5 %, to 01-21. The
    # exit got two advices — 「¥1,900 分は 2027-01-21 まで待つ価値あり」 and
    # 「¥1,100 分は 2026-11-26 まで待つ」 — for one exit and one spend. One
    # advice names each part's reason and day, soonest first.
    far = Spend(TODAY + timedelta(days=60), 3_000)
    runs_on = Campaign("a", "amazon_gift", "+10%", "bonus", 1_000, TODAY, TODAY + timedelta(days=3), "u", SEEN,
                       cap_points=1_000)
    plan = advise(Situation(TODAY, [_one_to_one()], {"a": 10_000}, [far], campaigns=[runs_on],
                            histories=_frequent()))
    assert [(s.points, s.yen, s.campaigns) for s in plan.steps] == [(2_900, 3_000, ("+10%",))] and plan.now == []
    [wait] = [a for a in plan.advice if a.kind == "wait"]
    v_far = Fraction(143708962483616, 287992954195)
    assert wait.numbers == {
        "site": "a", "exit": "a Amazon", "why": ["campaign_runs_on", "worth_waiting"],
        "wait_until": "2026-11-26", "yen": 3_000, "spends": ["2027-01-22"],
        "parts": [{"why": "campaign_runs_on", "wait_until": "2026-11-26", "yen": 1_100, "spends": ["2027-01-22"],
                   "campaigns": ["+10%"]},
                  {"why": "worth_waiting", "wait_until": "2027-01-21", "yen": 1_900, "spends": ["2027-01-22"],
                   "expected_bonus_bp": str(v_far), "expected_loss_bp": "0", "gain_now_bp": "0"}]}
    assert wait.text == (
        "a a Amazon: ¥3,000 分は分ごとの理由で待つ — "
        "① ¥1,100 分は 2026-11-26 まで待つ — 今日のキャンペーン（+10%）は先着ではなく 2026-11-26 も続くので、"
        "待っても失うものはなく、その間により良いキャンペーンが始まれば使える。なければ 2026-11-26 に申請。"
        "② ¥1,900 分は 2027-01-21 まで待つ価値あり — 過去100日でこの交換先のキャンペーン開始 10 回、"
        "他の交換先も合わせた期待上乗せ +4.99%、レート低下リスク −0.00%。キャンペーンがなければ 2027-01-21 に申請")


def test_parts_held_while_todays_campaign_runs_on_each_wait_to_their_own_day():
    # +10 % runs to 12-03, not first-come. The 11-28 spend's part can wait to
    # 11-27 (its last day), the 01-22 spend's to the campaign's 12-03. The
    # advice said 「¥3,000 分は 2026-11-27 まで待つ」: the far ¥2,000 gave up
    # six days of chances for a better campaign.
    near, far = Spend(TODAY + timedelta(days=5), 1_000), Spend(TODAY + timedelta(days=60), 2_000)
    runs_on = Campaign("a", "amazon_gift", "+10%", "bonus", 1_000, TODAY, TODAY + timedelta(days=10), "u", SEEN)
    plan = advise(Situation(TODAY, [_one_to_one()], {"a": 10_000}, [near, far], campaigns=[runs_on],
                            histories=_frequent()))
    assert [(s.points, s.yen, s.campaigns) for s in plan.steps] == [(2_800, 3_080, ("+10%",))] and plan.now == []
    [wait] = [a for a in plan.advice if a.kind == "wait"]
    assert wait.numbers == {
        "site": "a", "exit": "a Amazon", "why": ["campaign_runs_on"], "wait_until": "2026-11-27", "yen": 3_000,
        "spends": ["2026-11-28", "2027-01-22"], "campaigns": ["+10%"],
        "parts": [{"why": "campaign_runs_on", "wait_until": "2026-11-27", "yen": 1_000, "spends": ["2026-11-28"],
                   "campaigns": ["+10%"]},
                  {"why": "campaign_runs_on", "wait_until": "2026-12-03", "yen": 2_000, "spends": ["2027-01-22"],
                   "campaigns": ["+10%"]}]}
    assert wait.text == (
        "a a Amazon: ¥3,000 分は待つ（¥1,000 分は 2026-11-27 まで、¥2,000 分は 2026-12-03 まで）— "
        "今日のキャンペーン（+10%）は先着ではなく 2026-12-03 も続くので、待っても失うものはなく、"
        "その間により良いキャンペーンが始まれば使える。なければそれぞれの日に申請")


def test_a_campaign_is_judged_against_what_the_same_points_get_without_it():
    # a gives 2 % more than b with no campaign but holds only enough for half
    # the spend; b's +1 % ends today. b's half would otherwise get b's plain
    # rate, so the campaign gains 1 % — more than two months of b's rare +1 %
    # campaigns are worth — and is taken. a's half gets a's rate today or
    # later alike: it gains nothing now and waits. (Judged against the rate
    # of the step paying most of the spend without campaigns, b's plain, a's
    # half looked 2 % better than nothing and was exchanged at once.)
    spend = Spend(TODAY + timedelta(days=60), 4_020)
    now = Campaign("b", "amazon_gift", "+1%", "bonus", 100, TODAY, TODAY, "u", SEEN)
    exits = [_one_to_one("a", 490, 500), _one_to_one("b")]
    plan = advise(Situation(TODAY, exits, {"a": 1_960, "b": 10_000}, [spend], campaigns=[now],
                            histories={("b", "amazon_gift"): _history(every_days=20, bonus=100)}))
    assert sorted((s.site, s.points, s.yen) for s in plan.steps) == [("a", 1_960, 2_000), ("b", 2_000, 2_020)]
    assert [(s.site, s.points, s.yen, s.campaigns) for s in plan.now] == [("b", 2_000, 2_020, ("+1%",))]
    [wait] = [a for a in plan.advice if a.kind == "wait"]
    assert (wait.numbers["site"], wait.numbers["yen"]) == ("a", 2_000)


def test_a_capped_campaign_is_used_up_to_its_cap_for_the_nearest_spend_the_far_one_waits():
    # +10 % on the first 1,000 pt. One step of the plan pays both spends (1,900
    # pt: 1,000 at +10 %, 900 plain); judged by its average the far spend took
    # plain points too. The cap's part (¥1,100) goes to the near spend first
    # (fewest chances left), its last ¥100 to the far one; the far spend's
    # plain rest is worth more waiting for the frequent +5 % campaigns.
    near, far = Spend(TODAY + timedelta(days=10), 1_000), Spend(TODAY + timedelta(days=60), 1_000)
    now = Campaign("a", "amazon_gift", "+10%", "bonus", 1_000, TODAY, TODAY, "u", SEEN,
                   cap_points=1_000)
    plan = advise(Situation(TODAY, [_one_to_one()], {"a": 10_000}, [near, far], campaigns=[now],
                            histories=_frequent()))
    assert [(s.points, s.yen, s.campaigns) for s in plan.steps] == [(1_900, 2_000, ("+10%",))]
    assert [(s.points, s.yen, s.cost, s.campaigns) for s in plan.now] == [(1_000, 1_100, 1_000, ("+10%",))]
    [wait] = [a for a in plan.advice if a.kind == "wait"]
    assert wait.numbers["spends"] == [far.on.isoformat()] and wait.numbers["yen"] == 900


def test_the_whole_capped_part_is_exchanged_through_the_campaign_even_where_its_steps_are_coarse():
    # +10 % on a's first 1,200 pt, in 300 pt steps: 1,200 pt give ¥1,320, the
    # near spend needs ¥1,000. Exchanged for the near spend alone, 300 pt steps
    # cannot fit ¥1,000 (900 pt give ¥990) and b's 100 pt steps cover it as
    # cheaply: the campaign went unused while its rate was what had been
    # judged. The cap's whole ¥1,320 is the part taken now (¥320 of it for
    # the far spend); the far spend's plain rest waits for a's frequent +5 %.
    near, far = Spend(TODAY + timedelta(days=10), 1_000), Spend(TODAY + timedelta(days=60), 3_000)
    now = Campaign("a", "amazon_gift", "+10%", "bonus", 1_000, TODAY, TODAY, "u", SEEN,
                   cap_points=1_200)
    exits = [_one_to_one("a", 300, 300), _one_to_one("b")]
    plan = advise(Situation(TODAY, exits, {"a": 10_000, "b": 10_000}, [near, far], campaigns=[now],
                            histories=_frequent()))
    assert [(s.site, s.points, s.yen, s.cost, s.campaigns) for s in plan.now] == [
        ("a", 1_200, 1_320, 1_200, ("+10%",))]
    [wait] = [a for a in plan.advice if a.kind == "wait"]
    assert wait.numbers["spends"] == [far.on.isoformat()] and wait.numbers["yen"] == 2_680


def test_a_campaign_paying_a_small_part_of_a_spend_is_taken_for_that_part():
    # a's +10 % can pay only ¥550 of the ¥3,050 spend (a holds 500 pt); b pays
    # the rest at par and b's frequent +5 % campaigns make that part worth
    # waiting for. Each part is decided by the step that pays it: judged by
    # the step paying most of the spend, a's campaign waited with it and was lost.
    far = Spend(TODAY + timedelta(days=60), 3_050)
    now = Campaign("a", "amazon_gift", "+10%", "bonus", 1_000, TODAY, TODAY, "u", SEEN)
    plan = advise(Situation(TODAY, [_one_to_one("a"), _one_to_one("b")], {"a": 500, "b": 10_000}, [far],
                            campaigns=[now], histories=_frequent("b")))
    assert sorted((s.site, s.points, s.yen) for s in plan.steps) == [("a", 500, 550), ("b", 2_500, 2_500)]
    assert [(s.site, s.points, s.yen, s.campaigns) for s in plan.now] == [("a", 500, 550, ("+10%",))]
    [wait] = [a for a in plan.advice if a.kind == "wait"]
    assert wait.numbers["site"] == "b" and wait.numbers["yen"] == 2_500


def test_todays_campaign_pays_the_nearest_spend_and_the_plain_step_the_far_one():
    # a's +10 % (first 1,000 pt) arrives in 5 days, b's plain exchange today.
    # Poured earliest-arriving first, b's plain step paid the near spend, so
    # the near spend — ten days left — was the one told to wait for a's next
    # +10 %, and the campaign went to the far one. Best rate first, the
    # campaign pays the near spend and the far one (sixty days of chances) waits.
    near, far = Spend(TODAY + timedelta(days=10), 1_100), Spend(TODAY + timedelta(days=60), 1_000)
    now = Campaign("a", "amazon_gift", "+10%", "bonus", 1_000, TODAY, TODAY, "u", SEEN,
                   cap_points=1_000)
    exits = [gift_exit("a", 100, 100, lag=5), _one_to_one("b")]
    plan = advise(Situation(TODAY, exits, {"a": 1_000, "b": 10_000}, [near, far], campaigns=[now],
                            histories=_frequent("a", 1_000)))
    assert sorted((s.site, s.points, s.yen, s.apply_on) for s in plan.steps) == [
        ("a", 1_000, 1_100, TODAY), ("b", 1_000, 1_000, TODAY)]
    assert [(s.site, s.points, s.yen, s.campaigns) for s in plan.now] == [("a", 1_000, 1_100, ("+10%",))]
    [wait] = [a for a in plan.advice if a.kind == "wait"]
    assert wait.numbers["site"] == "b" and wait.numbers["spends"] == [far.on.isoformat()]


def test_paid_parts_split_a_spend_between_the_steps_that_pay_it():
    d1, d2 = date(2026, 12, 1), date(2026, 12, 20)
    early, late = _step(d1, date(2026, 11, 24), 1_500), _step(d2, date(2026, 12, 10), 1_000)
    parts = paid_parts([Spend(d1, 1_000), Spend(d2, 2_000)], [late, early])
    assert [(j, sp.yen, st) for j, sp, st in parts] == [(0, 1_000, early), (1, 500, early), (1, 1_000, late),
                                                         (1, 500, None)]


def test_cover_in_time_takes_the_best_rate_first_for_the_spends_it_can_reach():
    u, m = RATE_UNIT, YEN_UNIT  # rates in millionths, yen in thousandths
    par, plus10 = u, u * 11 // 10
    # Spends of ¥550 due on day 10 and ¥550 on day 40; a's +10 % on 500 yen of
    # points starts on day 20, so it reaches only the second spend: 500 (¥550)
    # there, the first at par from b.
    world = [(plus10, "a", 500 * m, 20), (par, "a", None, 0), (par, "b", None, 0)]
    left = {"a": 2_000 * m, "b": 2_000 * m}
    assert cover_in_time([10, 40], [550 * m, 550 * m], left, world) == 1_050 * m
    # Starting on day 5 it reaches the first spend instead: the same cost.
    early = [(plus10, "a", 500 * m, 5)] + world[1:]
    assert cover_in_time([10, 40], [550 * m, 550 * m], left, early) == 1_050 * m
    # Starting after both deadlines it reaches neither: all at par.
    late = [(plus10, "a", 500 * m, 41)] + world[1:]
    assert cover_in_time([10, 40], [550 * m, 550 * m], left, late) == 1_100 * m
    # a holds only 300: 300 at +10 % (¥330), the rest from b
    assert cover_in_time([10, 40], [550 * m, 550 * m], {"a": 300 * m, "b": 2_000 * m}, world) == 1_070 * m
    # 500 + 500 give ¥1,050: the ¥50 no balance covers costs double at the worst rate
    assert cover_in_time([10, 40], [550 * m, 550 * m], {"a": 500 * m, "b": 500 * m}, world) == 1_100 * m


def test_pooled_sizes_gather_every_exit_to_a_destination_with_caps_in_yen():
    since = TODAY - timedelta(days=100)
    hist = {("a", "dotmoney"): History(since, (PastCampaign(since, None, 100),
                                               PastCampaign(TODAY, None, 1_000, 2_000))),
            ("c", "dotmoney"): History(since, (PastCampaign(since, None, 500, 4_000),
                                               PastCampaign(TODAY - timedelta(days=3), None, 100),
                                               PastCampaign(TODAY + timedelta(days=1), None, 2_000))),
            ("a", "amazon_gift"): History(TODAY - timedelta(days=10), (PastCampaign(since, None, 300),))}
    pooled = pooled_sizes(hist, {"a": Fraction(1), "c": Fraction(1, 2)}, TODAY)
    # c's points are worth ¥0.5: its 4,000 pt cap is ¥2,000; tomorrow's start and
    # one before the observation began are not seen yet
    assert pooled == {"dotmoney": ((100, None, 2), (500, Fraction(2_000), 1), (1_000, Fraction(2_000), 1)),
                      "amazon_gift": ()}


def test_pooled_sizes_keep_an_exits_own_frequency():
    # a saw 2 starts (+1 %) in 100 days; the pool saw +1 % three times and
    # +10 % once: a's starts are +1 % three times in four, +10 % once
    own = History(TODAY - timedelta(days=100), (PastCampaign(TODAY - timedelta(days=50), None, 100),
                                                PastCampaign(TODAY - timedelta(days=5), None, 100)))
    alone = Stream(own, Fraction(1))
    pooled = Stream(own, Fraction(1), sizes=((100, None, 3), (1_000, None, 1)))
    assert campaign_chances([alone], TODAY, Fraction(1)) == [(Fraction(1, 100), 100), (Fraction(1, 100), 100)]
    assert campaign_chances([pooled], TODAY, Fraction(1)) == [(Fraction(3, 200), 100), (Fraction(1, 200), 1_000)]
    # an exit that saw no start gets none from the pool
    assert campaign_chances([Stream(History(own.observed_since), Fraction(1), sizes=pooled.sizes)], TODAY,
                            Fraction(1)) == []


def _starts_seen(n, days=365, bonus=100):
    """A history of `days` days in which n campaigns of `bonus` bp started."""
    since = TODAY - timedelta(days=days)
    return History(since, tuple(PastCampaign(since + timedelta(days=k), None, bonus) for k in range(n)))


def test_pooled_chances_give_exits_alike_the_rate_of_them_all():
    hist = {("a", "dotmoney"): _starts_seen(10), ("c", "dotmoney"): _starts_seen(8),
            ("m", "dotmoney"): _starts_seen(0),  # saw none: left out, and does not dilute the pool
            ("a", "amazon_gift"): _starts_seen(3, days=100)}
    # 10 and 8 starts a year lie closer than chance alone would keep them
    # (spread 2/365² against Poisson noise 9/365²): both get 18 in 730 days
    assert pooled_chances(hist, TODAY) == {("a", "dotmoney"): Fraction(9, 365), ("c", "dotmoney"): Fraction(9, 365),
                                           ("a", "amazon_gift"): Fraction(3, 100)}  # alone: its own rate


def test_pooled_chances_keep_most_of_an_exits_own_rate_when_the_exits_clearly_differ():
    hist = {("a", "dotmoney"): _starts_seen(2), ("c", "dotmoney"): _starts_seen(30)}
    chances = pooled_chances(hist, TODAY)
    # pooled 16/365; spread 392/365² less noise 16/365² leaves τ² = 376/365²,
    # so each keeps 376/392 of its own rate and takes 16/392 of the pool
    pool, keep = Fraction(16, 365), Fraction(376, 392)
    assert chances[("a", "dotmoney")] == keep * Fraction(2, 365) + (1 - keep) * pool
    assert chances[("c", "dotmoney")] == keep * Fraction(30, 365) + (1 - keep) * pool
    assert Fraction(2, 365) < chances[("a", "dotmoney")] < Fraction(3, 365)


def test_a_streams_given_chance_replaces_its_own_count_of_starts():
    own = History(TODAY - timedelta(days=100), (PastCampaign(TODAY - timedelta(days=50), None, 100),
                                                PastCampaign(TODAY - timedelta(days=5), None, 300)))
    # its own two campaigns share the given chance
    assert campaign_chances([Stream(own, Fraction(1), chance=Fraction(1, 30))], TODAY, Fraction(1)) == [
        (Fraction(1, 60), 100), (Fraction(1, 60), 300)]
    # the pooled sizes share it by how often each was seen
    sized = Stream(own, Fraction(1), sizes=((100, None, 3), (1_000, None, 1)), chance=Fraction(1, 30))
    assert campaign_chances([sized], TODAY, Fraction(1)) == [(Fraction(1, 40), 100), (Fraction(1, 120), 1_000)]
    # and an exit that saw no start still gets none
    assert campaign_chances([replace(sized, history=History(own.observed_since))], TODAY, Fraction(1)) == []


def test_how_often_an_exits_campaigns_start_is_shrunk_toward_its_destinations():
    # a saw 3 starts of +5 % in 100 days, c (no points held) 9: their rates
    # differ by more than chance (τ² = 12/100²), so a keeps 2/3 of its own
    # 3/100 and takes 1/3 of the pooled 6/100: 4/100. Its ¥2,000 wait the
    # 59 days to the spend's eve and expect what that chance is worth.
    def seen(n):
        return _starts_seen(n, days=100, bonus=500)
    far = Spend(TODAY + timedelta(days=60), 2_000)
    exits = [_one_to_one("a"), _one_to_one("c")]
    for histories, chance in (({("a", "amazon_gift"): seen(3)}, Fraction(3, 100)),
                              ({("a", "amazon_gift"): seen(3), ("c", "amazon_gift"): seen(9)}, Fraction(4, 100))):
        plan = advise(Situation(TODAY, exits, {"a": 10_000}, [far], histories=histories))
        [wait] = [a for a in plan.advice if a.kind == "wait"]
        assert plan.now == [] and wait.numbers["start_chance_per_day"] == str(chance)
        assert wait.numbers["expected_bonus_bp"] == str(waiting_value(59, chance, (500,)))


def test_large_campaigns_seen_on_other_exits_to_the_same_place_are_worth_waiting_for():
    # a's own history shows only +1 % campaigns (one every 10 days); on its
    # own, today's +3 % beats waiting. c's exit to the same destination has
    # run +10 % ones as often: a's next campaign may be one of those, and
    # with two months to go waiting is worth more than +3 %.
    far = Spend(TODAY + timedelta(days=60), 2_000)
    now = Campaign("a", "amazon_gift", "+3%", "bonus", 300, TODAY, TODAY, "u", SEEN)
    exits = [_one_to_one("a"), _one_to_one("c")]
    alone = advise(Situation(TODAY, exits, {"a": 10_000}, [far], campaigns=[now], histories=_frequent("a", 100)))
    assert [(s.site, s.points, s.yen) for s in alone.now] == [("a", 2_000, 2_060)]
    pooled = advise(Situation(TODAY, exits, {"a": 10_000}, [far], campaigns=[now],
                              histories={**_frequent("a", 100), **_frequent("c", 1_000)}))
    assert pooled.now == []
    [wait] = [a for a in pooled.advice if a.kind == "wait"]
    assert wait.numbers["site"] == "a" and wait.numbers["yen"] == 2_000


def _certain(bonus=1_000, cap=None):
    """A history in which such a campaign started on the one day observed:
    over 30 days one comes (the chance of none is e⁻³⁰)."""
    return History(TODAY - timedelta(days=1), (PastCampaign(TODAY, None, bonus, cap),))


def test_keep_prices_charge_what_taking_points_now_costs_the_spends_to_come():
    streams = [("a", Stream(_certain(), Fraction(1)))]
    standing = {"a": Fraction(1), "b": Fraction(1)}
    # ¥1,000 due after the 30 days; a's +10 % covers it with 10,000/11 of
    # a's 1,000. Taking 500 of a now leaves 500 (¥550) and 450 from b at par.
    prices = keep_prices(streams, TODAY, 30, standing, {"a": Fraction(1_000), "b": Fraction(5_000)},
                         Fraction(500), [(30, 1_000)])
    assert prices["b"] == 1 and abs(prices["a"] - (1 + (950 - Fraction(10_000, 11)) / 500)) < Fraction(1, 10**5)
    # a holds 3,000: what is taken now was never going to be needed
    assert keep_prices(streams, TODAY, 30, standing, {"a": Fraction(3_000), "b": Fraction(5_000)},
                       Fraction(500), [(30, 1_000)]) == {"a": 1, "b": 1}


# --- an amount picker: ポイントインカム ------------------------------------------------------

PI_SPEND_DAY = date(2026, 12, 7)  # a Monday two weeks out


def pointincome_amounts() -> list[Exit]:
    """PointIncome's Amazon picker as stored: each amount an exit of its own,
    exchanged whole (its maximum is its points), 10 pt = ¥1, the next business
    day, one application a day over all the site's exits."""
    return [Exit("pointincome", "amazon_gift", f"Amazonギフトカード {yen:,}円分", yen * 10, yen,
                 yen * 10, None, 0, 1, "https://pointi.jp/exchange/", SEEN,
                 yen_per_point=Fraction(1, 10), lag_min_days=1, daily_exchanges=1,
                 cap_scope="site", max_points=yen * 10)
            for yen in (500, 1_000, 2_000, 3_000)]


def assert_whole_amounts_one_a_day(plan, exits, spend_on):
    by_label = {e.label: e for e in exits}
    for s in plan.steps:
        e = by_label[s.label]
        assert (s.points, s.yen, s.fee_points) == (e.points_in, e.value_out, 0), s
        assert e.valid_amount(s.points)
        assert s.apply_on <= s.apply_by and s.arrives_by < spend_on
        assert s.arrives_by == Calendar().add_business_days(s.apply_on, 1)
    assert len({s.apply_on for s in plan.steps}) == len(plan.steps)
    # One application a day: the last days to apply leave room for each other too.
    assert len({s.apply_by for s in plan.steps}) == len(plan.steps)


def test_amount_picker_two_weeks_out_whole_amounts_one_application_a_day():
    exits = pointincome_amounts()
    plan = plan_amazon_cover(exits, {"pointincome": 100_000}, [Spend(PI_SPEND_DAY, 6_500)], TODAY)
    assert plan.proven and plan.warnings == []
    assert (plan.shortfall, plan.cost, plan.left) == (0, 6_500, {"pointincome": 35_000})
    assert sum(s.points for s in plan.steps) == 65_000
    assert_whole_amounts_one_a_day(plan, exits, PI_SPEND_DAY)
    # Read as "multiples of 5,000pt", the 500円 option would take all 65,000pt
    # in one application: exactly the plan the site cannot carry out.
    assert all(s.points <= 30_000 for s in plan.steps) and len(plan.steps) >= 3
    # Arriving by 12-04 (Fri) at the latest: the last applications fall on
    # 12-03, 12-02, 12-01, … one a day, the latest deadline first.
    deadlines = sorted((s.apply_by for s in plan.steps), reverse=True)
    assert deadlines == [date(2026, 12, 3) - timedelta(days=k) for k in range(len(plan.steps))]


@pytest.mark.parametrize("spend_on, shortfall, amounts, days", [
    # Three days to apply (11-23, 11-24, 11-25 arrive by 11-26): 500 + 3,000 +
    # 3,000 is the only way to ¥6,500 in three applications.
    (date(2026, 11, 27), 0, [500, 3_000, 3_000], [23, 24, 25]),
    # Two days: two applications of ¥3,000 at most; ¥500 cannot arrive in time.
    (date(2026, 11, 26), 500, [3_000, 3_000], [23, 24]),
])
def test_amount_picker_with_few_days_left_matches_brute_force(spend_on, shortfall, amounts, days):
    from tests.advisor_brute import brute_force

    exits = pointincome_amounts()
    spends = [Spend(spend_on, 6_500)]
    plan = plan_amazon_cover(exits, {"pointincome": 100_000}, spends, TODAY)
    cost = 6_500 - shortfall
    assert brute_force(exits, {"pointincome": 100_000}, spends, TODAY, [], Calendar()) == (shortfall, cost)
    assert plan.proven and (plan.shortfall, plan.cost) == (shortfall, cost)
    assert plan.uncovered == ([(spend_on, shortfall)] if shortfall else [])
    assert sorted(s.yen for s in plan.steps) == amounts
    assert sorted(s.apply_on.day for s in plan.steps) == days
    assert_whole_amounts_one_a_day(plan, exits, spend_on)


@pytest.mark.parametrize("used, steps", [
    # Nothing exchanged yet this month: all of it today.
    (None, [("2026-11-23", 14_700, 15_000)]),
    # 25,000 of Hapitas's 30,000 pt already used in November: 4,900 pt fit
    # today, the rest on the first day of December (arriving 12-04).
    ({"hapitas": 25_000}, [("2026-11-23", 4_900, 5_000), ("2026-12-01", 9_800, 10_000)]),
    # The whole cap used: nothing before December.
    ({"hapitas": 30_000}, [("2026-12-01", 14_700, 15_000)]),
])
def test_points_already_exchanged_this_month_shrink_only_this_months_cap(used, steps):
    hapitas = Exit("hapitas", "amazon_gift", "Amazonギフトカード", 490, 500, 490, 490, 0, 3,
                   "https://hapitas.jp/exchange/", SEEN, monthly_cap_points=30_000, cap_scope="site")
    plan = plan_amazon_cover([hapitas], {"hapitas": 20_000}, [Spend(date(2026, 12, 20), 15_000)],
                             date(2026, 11, 23), cap_used=used)
    assert plan.proven and (plan.shortfall, plan.cost) == (0, 14_700)
    assert [(s.apply_on.isoformat(), s.points, s.yen) for s in plan.steps] == steps


def test_a_step_counting_on_next_months_cap_room_is_not_told_to_wait_past_its_month():
    # 25,000 of 30,000 pt used in November: the 4,900 pt planned today use
    # November's room, so they must be applied in November; December's step
    # may wait until 12-15 (Tue): three business days later, 12-18, is before the 20th.
    hapitas = Exit("hapitas", "amazon_gift", "Amazonギフトカード", 490, 500, 490, 490, 0, 3,
                   "https://hapitas.jp/exchange/", SEEN, monthly_cap_points=30_000, cap_scope="site")
    plan = plan_amazon_cover([hapitas], {"hapitas": 20_000}, [Spend(date(2026, 12, 20), 15_000)],
                             date(2026, 11, 23), cap_used={"hapitas": 25_000})
    assert [(s.apply_on, s.apply_by) for s in plan.steps] == [
        (date(2026, 11, 23), date(2026, 11, 30)), (date(2026, 12, 1), date(2026, 12, 15))]


def test_last_days_to_apply_leave_room_under_a_daily_points_cap():
    # 1日1,000ptまで: ¥3,000 from three 1,000 pt exchanges cannot all be applied
    # on the same last day; the deadlines fall on three days, latest first.
    e = Exit("hapitas", "amazon_gift", "Amazon", 1, 1, 500, 500, 0, 1, "u", SEEN, daily_cap_points=1_000)
    plan = plan_amazon_cover([e], {"hapitas": 3_000}, [Spend(date(2026, 12, 10), 3_000)], date(2026, 11, 24))
    assert plan.proven and (plan.shortfall, plan.cost) == (0, 3_000)
    per_day: dict[date, int] = {}
    for s in plan.steps:
        assert s.apply_on <= s.apply_by
        assert Calendar().add_business_days(s.apply_by, 1) < date(2026, 12, 10)
        per_day[s.apply_by] = per_day.get(s.apply_by, 0) + s.points
    assert max(per_day.values()) <= 1_000
    assert sorted(per_day) == [date(2026, 12, 6), date(2026, 12, 7), date(2026, 12, 8)]


def test_a_per_exchange_maximum_alone_lets_the_plan_apply_again():
    # 1回1,000ptまで, no limit a day: ¥3,000 two weeks out from 3,000 pt is three
    # applications of 1,000 pt, not one application and ¥2,000 uncovered.
    e = Exit("hapitas", "amazon_gift", "Amazon", 1, 1, 500, 500, 0, 1, "u", SEEN, max_points=1_000)
    plan = plan_amazon_cover([e], {"hapitas": 3_000}, [Spend(date(2026, 12, 10), 3_000)], date(2026, 11, 24))
    assert plan.proven and (plan.shortfall, plan.cost) == (0, 3_000)
    assert sorted(s.points for s in plan.steps) == [1_000, 1_000, 1_000]
    assert all(e.valid_amount(s.points) and s.arrives_by < date(2026, 12, 10) for s in plan.steps)


def test_a_maximum_on_the_intermediary_lets_the_route_run_again():
    # Found by the brute force. ドットマネー → Amazon 1回300マネーまで: 600 pt
    # in one exchange give ¥300 (the rest stays on dot money); two exchanges
    # of 300 pt give ¥600 and cover the ¥400, as two applications would.
    into, out = dotmoney_chain(lag1=0, lag2=0)
    out = replace(out, max_points=300)
    plan = plan_amazon_cover([into, out], {"hapitas": 600}, [Spend(date(2026, 11, 24), 400)], TODAY)
    assert plan.proven and (plan.shortfall, plan.cost) == (0, 600)
    assert [s.yen for s in plan.steps] == [300, 300]


def test_a_discount_lets_a_capped_exchange_apply_again_within_the_balance():
    # 1回100ptまで at 10 % off: each application takes 90 pt, so 180 pt pay for
    # two (¥200), not one — counting applications by the full 100 pt saw one.
    e = Exit("hapitas", "amazon_gift", "Amazon", 100, 100, 100, 100, 0, 0, "u", SEEN, max_points=100)
    off = Campaign("hapitas", "amazon_gift", "10%割引", "discount", 1_000, None, None, "c", SEEN)
    plan = plan_amazon_cover([e], {"hapitas": 180}, [Spend(date(2026, 11, 26), 200)], date(2026, 11, 24),
                             campaigns=[off])
    assert plan.proven and (plan.shortfall, plan.cost) == (0, 180)
    # Under a discount a maximum above the balance can still bind: 190 pt and
    # 1回200ptまで pay ¥210 as 110 + 100 pt (99 + 90 taken), one exchange ¥200.
    e = replace(e, points_in=10, value_out=10, minimum_points=100, step_points=10, max_points=200)
    plan = plan_amazon_cover([e], {"hapitas": 190}, [Spend(date(2026, 11, 26), 210)], date(2026, 11, 24),
                             campaigns=[off])
    assert plan.proven and (plan.shortfall, plan.cost) == (0, 189)


def test_past_a_capped_campaign_the_rest_claims_the_next_best_one():
    # +10 % on the first 1,000 pt and +5 % with no cap, both running: 1,000 pt
    # at +10 % (¥1,100) and 2,000 pt at +5 % (¥2,100) pay ¥3,150 from 3,000 pt;
    # the rest of the points at no campaign at all leaves ¥50 uncovered.
    e = Exit("hapitas", "amazon_gift", "Amazon", 1, 1, 500, 500, 0, 1, "u", SEEN)
    capped = Campaign("hapitas", "amazon_gift", "A10", "bonus", 1_000, None, date(2026, 12, 31), "c", SEEN,
                      cap_points=1_000)
    plain = Campaign("hapitas", "amazon_gift", "B5", "bonus", 500, None, date(2026, 12, 31), "c", SEEN)
    plan = plan_amazon_cover([e], {"hapitas": 3_000}, [Spend(date(2026, 12, 10), 3_150)], date(2026, 11, 24),
                             campaigns=[capped, plain])
    assert plan.proven and (plan.shortfall, plan.cost) == (0, 3_000)
    assert sum(s.yen for s in plan.steps) >= 3_150
    assert sorted(s.campaigns for s in plan.steps) == [("A10",), ("B5",)]
