"""The comparison page's rules (view functions over stored data) and the
`pointexit page` command. The page in a real browser: test_page_browser.py."""

from __future__ import annotations

import re
from datetime import timedelta
from fractions import Fraction

import pytest

from pointexit import page_view
from pointexit.page import read_inputs, render_page
from pointexit.step_chart import step_chart
from storage.queries import current_exits
from storage.records import RunOutcome
from storage.store import Store
from tests.page_world import (DEGRADED, NOW, START, build_world, crawl, exit_seen, first_come_plan,
                              hapitas_campaign, hapitas_exits)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("world") / "world.db")
    engine = build_world(db)
    return db, engine, read_inputs(engine)


@pytest.fixture(scope="module")
def tables(world):
    _, _, inputs = world
    return {t.slug: t for t in page_view.destination_tables(
        inputs.exits, inputs.history, inputs.campaign_records, NOW)}


@pytest.fixture(scope="module")
def html(world):
    return render_page(world[2], NOW)


def line(table, site, kind="exit"):
    [found] = [ln for ln in table.lines if ln.site == site and ln.kind == kind]
    return found


# --------------------------------------------------------------------------- tables


def test_destinations_come_in_the_issue_order(tables):
    order = list(tables)
    assert order[:2] == ["amazon_gift", "bank"]
    assert order.index("bank") < order.index("dotmoney") < order.index("pex")


def test_every_stored_exit_is_one_exit_row(world, tables):
    _, engine, _ = world
    stored = current_exits(engine)
    rows = [ln for t in tables.values() for ln in t.lines if ln.kind == "exit"]
    assert sorted(ln.exit_id for ln in rows) == sorted(e.exit_id for e in stored)


def test_yen_per_100_points_is_exact(tables):
    amazon = tables["amazon_gift"]
    assert line(amazon, "hapitas").per100 == Fraction(500 * 100, 490)
    assert line(amazon, "pointincome").per100 == Fraction(10)  # 10 pt = ¥1: 5,000 pt → ¥500


def test_the_fee_counts_in_the_return_rate(tables):
    bank = line(tables["bank"], "pointincome")
    # 6,000 pt → ¥500 with a 1,000 pt fee: ¥500 for 7,000 pt worth ¥700.
    assert bank.return_rate == Fraction(500, 700)
    assert bank.fee_yen == 100 and bank.fee_text == "1,000pt (¥100)"


def test_a_route_through_dot_money_that_beats_the_direct_exit_is_shown(tables):
    route = line(tables["amazon_gift"], "moppy", kind="route")
    # 300 pt → 300 マネー (×1), then 297 マネー → ¥300 (×300/297): exactly 100/99.
    assert route.return_rate == Fraction(100, 99)
    assert route.return_rate > line(tables["amazon_gift"], "moppy").return_rate
    assert [h.site_name for h in route.hops] == ["モッピー", "ドットマネー"]
    assert route.lag_max == 0 + 3  # real time into dot money, then up to 3 business days


def test_a_route_is_shown_where_the_site_has_no_direct_exit(tables):
    route = line(tables["bank"], "moppy", kind="route")
    assert route.return_rate == 1


def test_a_routes_minimum_is_what_reaches_the_second_hops_minimum(tmp_path):
    """ECナビ → PeX is 1 pt → 1 PeXポイント from 500 pt, but PeX → Amazon needs
    9,900 PeXポイント: the route to Amazon starts at 10,000 pt (¥1,000), not at
    500 pt (¥50) — which was also starred as the best minimum."""
    engine = build_world(str(tmp_path / "w.db"))
    at = NOW - timedelta(hours=1)
    crawl(Store(engine), "ecnavi", at, [
        exit_seen("ecnavi", "pex", "PeX", 1, 1, at, minimum_points=500, step_points=500)])
    inputs = read_inputs(engine)
    amazon = {t.slug: t for t in page_view.destination_tables(
        inputs.exits, inputs.history, inputs.campaign_records, NOW)}["amazon_gift"]
    route = line(amazon, "ecnavi", kind="route")
    assert (route.minimum_points, route.minimum_yen) == (10_000, 1_000)
    assert (route.step_points, route.step_yen) == (500, 50)
    assert "min" not in route.best
    # A first hop whose minimum already reaches the second's keeps it.
    assert line(amazon, "moppy", kind="route").minimum_points == 300


def test_routes_that_do_not_beat_the_direct_exit_are_left_out(tables):
    # Hapitas → dot money → Amazon is 300/297 ≈ 1.0101 < 500/490 ≈ 1.0204.
    assert not [ln for ln in tables["amazon_gift"].lines if ln.site == "hapitas" and ln.kind == "route"]
    # Hapitas → dot money → bank equals the direct ¥1 = 1 pt: not better, not shown.
    assert not [ln for ln in tables["bank"].lines if ln.site == "hapitas" and ln.kind == "route"]


def test_default_order_is_best_return_first(tables):
    rates = [ln.return_rate for ln in tables["amazon_gift"].lines]
    assert rates == sorted(rates, reverse=True)
    assert tables["amazon_gift"].lines[0].site == "hapitas"


@pytest.mark.parametrize("column, site", [
    ("rate", "hapitas"), ("per100", "hapitas"), ("min", "dotmoney"), ("step", "dotmoney"),
    ("lag", "pointincome"),
])
def test_best_in_each_column_is_marked(tables, column, site):
    marked = {ln.site for ln in tables["amazon_gift"].lines if column in ln.best}
    assert marked == {site}


def test_a_column_where_every_value_is_equal_marks_nothing(tables):
    assert not any("fee" in ln.best for ln in tables["amazon_gift"].lines)  # all free


def test_no_cap_is_the_best_cap(tables):
    amazon = tables["amazon_gift"].lines
    assert {ln.site for ln in amazon if "cap" not in ln.best} == {"hapitas"}  # 30,000 pt a month


def test_an_intermediarys_amounts_are_written_in_its_own_unit(world, tables):
    """ドットマネー counts マネー and PeX PeXポイント: 「297pt」 beside 「297マネー → 300円分」
    read as if dot money had points."""
    from dataclasses import replace

    dm = line(tables["amazon_gift"], "dotmoney")
    assert (dm.rate_text, dm.unit) == ("297マネー → 300円分", "マネー")
    html = render_page(world[2], NOW)
    row = html[html.index("297マネー → 300円分"):]
    row = row[:row.index("</tr>")]
    # minimum and step cells: 297 マネー, worth ¥297 (1 マネー = ¥1, so no yen aside)
    assert row.count(">297マネー</a>") == 2 and "297pt" not in row
    # 100ptあたり: ¥101.01 for 100 マネー, said in the cell (the column is headed in pt)
    assert "/100マネー</small>" in row and "/100pt" not in row
    stored = next(e for e in world[2].exits if e.site == "dotmoney" and e.destination == "amazon_gift")
    capped = replace(stored, fee_points=50, daily_cap_points=3_000, monthly_cap_points=None,
                     max_points=None, daily_exchanges=None, cap_scope="exit")
    assert page_view.cap_label(capped) == "1日3,000マネーまで"
    assert page_view.fee_label(50, capped) == "50マネー (¥50)"
    assert line(tables["amazon_gift"], "hapitas").unit == "pt"


@pytest.mark.parametrize("max_points, daily_exchanges, scope, expected", [
    (5_000, 1, "site", "1回ごとに指定額 1日1回 (全交換先合計)"),  # ポイントインカム's amount picker
    (5_000, None, "site", "1回ごとに指定額"),
    (20_000, None, "exit", "1回20,000ptまで"),
    (None, 1, "site", "1日1回 (全交換先合計)"),
])
def test_cap_text_says_when_each_application_is_one_fixed_amount(world, max_points, daily_exchanges,
                                                                  scope, expected):
    from dataclasses import replace

    stored = next(e for e in world[2].exits if e.site == "hapitas" and e.destination == "amazon_gift")
    e = replace(stored, minimum_points=5_000, max_points=max_points, daily_exchanges=daily_exchanges,
                cap_scope=scope, daily_cap_points=None, monthly_cap_points=None)
    assert page_view.cap_label(e) == expected


@pytest.mark.parametrize("max_points, daily_exchanges, daily_cap, monthly_cap, expected", [
    (5_000, 1, None, None, 15_000),  # one 5,000pt (¥500) exchange a day: ¥500 × 30
    (5_000, 2, None, None, 30_000),
    (5_000, None, None, None, None),  # whole amounts, as often as one likes: no cap
    (5_000, 1, 3_000, None, 9_000),  # the tighter daily cap wins
    (5_000, 1, None, 100_000, 10_000),  # the tighter monthly cap wins
])
def test_a_whole_amount_once_a_day_caps_the_month(world, max_points, daily_exchanges, daily_cap,
                                                   monthly_cap, expected):
    from dataclasses import replace

    stored = next(e for e in world[2].exits if e.site == "pointincome" and e.destination == "amazon_gift")
    e = replace(stored, max_points=max_points, daily_exchanges=daily_exchanges,
                daily_cap_points=daily_cap, monthly_cap_points=monthly_cap)
    assert page_view.cap_yen(e) == expected


def test_values_of_a_degraded_site_are_stale_with_the_reason(tables):
    pi = line(tables["amazon_gift"], "pointincome")
    assert pi.stale and pi.stale_reason == "最新のクロールが一部異常"
    assert not line(tables["amazon_gift"], "hapitas").stale


@pytest.mark.parametrize("exits_run, shopping_run, reason", [
    # Hapitas's exchange page is members-only; its shopping listing is not.
    ("login_required", "ok", "最新のクロールが要ログイン"),
    ("ok", "failed", "最新のクロールで見つかりませんでした"),
])
def test_the_stale_reason_is_the_run_of_the_spider_that_records_the_exits(tmp_path, exits_run,
                                                                          shopping_run, reason):
    engine = build_world(str(tmp_path / "w.db"))
    store = Store(engine)
    later = NOW + timedelta(hours=1)
    # The exits spider runs first (spiders run in name order), its shopping spider after it.
    crawl(store, "hapitas", later, outcome=RunOutcome(exits_run, exits_run, 0, 0, 0, 0, 0))
    run = store.begin_run("hapitas_shopping", "hapitas", later + timedelta(minutes=1))
    store.finish_run(run, RunOutcome(shopping_run, shopping_run, 0, 0, 0, 0, 0),
                     later + timedelta(minutes=2), [], [], [])
    inputs = read_inputs(engine)
    [table] = [t for t in page_view.destination_tables(
        inputs.exits, inputs.history, inputs.campaign_records, later) if t.slug == "amazon_gift"]
    hapitas = line(table, "hapitas")
    assert (hapitas.stale, hapitas.stale_reason) == (True, reason)


def test_old_values_are_stale_even_without_a_bad_run(world):
    _, _, inputs = world
    later = NOW + timedelta(days=3)
    [table] = [t for t in page_view.destination_tables(
        inputs.exits, inputs.history, inputs.campaign_records, later) if t.slug == "amazon_gift"]
    hapitas = line(table, "hapitas")
    assert hapitas.stale and hapitas.stale_reason.startswith("最終確認が3日前")


def test_age_is_counted_from_the_generation_time(tables):
    assert line(tables["amazon_gift"], "hapitas").age == "3時間前"


# --------------------------------------------------------------------------- campaigns and offers


def test_only_campaigns_inside_their_window_are_active(world):
    _, _, inputs = world
    active = page_view.active_campaigns(inputs.campaigns, NOW)
    assert [c.title for c in active] == ["Amazonギフトカード交換 2%増量キャンペーン"]
    [c] = active
    assert (c.first_come, c.capped, c.bonus, c.stale) == (True, True, "+2%増量", False)
    assert c.window == "2026/11/18 09:00〜2026/11/28 09:00 (日本時間)"


def test_a_campaign_cap_is_in_the_sites_own_unit(tmp_path):
    """dot money's 「お一人様10,000マネーの交換まで」 is 10,000 マネー, not 10,000 pt."""
    engine = build_world(str(tmp_path / "w.db"))
    at = NOW - timedelta(hours=1)
    crawl(Store(engine), "dotmoney", at, [
        exit_seen("dotmoney", "amazon_gift", "Amazonギフトカード", 297, 300, at),
        exit_seen("dotmoney", "bank", "銀行振込", 300, 300, at, step_points=100),
    ], campaigns=[hapitas_campaign(at, site="dotmoney", key="amazon-2pct", cap_points=10_000)])
    inputs = read_inputs(engine)
    caps = {c.site_name: c.cap_text for c in page_view.active_campaigns(inputs.campaigns, NOW)}
    assert caps == {"ドットマネー": "10,000マネーまで", "ハピタス": "30,000ptまで"}
    assert "上限あり: 10,000マネーまで" in render_page(inputs, NOW)


def test_a_campaign_the_next_ok_crawl_no_longer_sees_is_not_shown(tmp_path):
    engine = build_world(str(tmp_path / "w.db"))
    later = NOW + timedelta(hours=1)
    crawl(Store(engine), "hapitas", later, hapitas_exits(later))  # the campaign box is gone
    assert page_view.active_campaigns(read_inputs(engine).campaigns, later) == []


def test_a_campaign_of_a_site_whose_last_crawl_failed_is_shown_stale(tmp_path):
    engine = build_world(str(tmp_path / "w.db"))
    crawl(Store(engine), "hapitas", NOW + timedelta(hours=1), outcome=DEGRADED)
    [c] = page_view.active_campaigns(read_inputs(engine).campaigns, NOW + timedelta(hours=1))
    assert c.stale


def test_campaigns_and_offers_not_seen_for_longer_than_stale_after_are_stale(world):
    _, _, inputs = world
    later = NOW + timedelta(days=3)  # no crawl since: the exits of those crawls are stale too
    shown = page_view.active_campaigns(inputs.campaigns, later) + page_view.active_amazon_offers(
        inputs.offers, later)
    assert [(o.title, o.age, o.stale) for o in shown] == [
        ("Amazonギフトカード交換 2%増量キャンペーン", "3日前", True),
        ("これからの増量", "3日前", True),
        ("Amazonファッション 1%還元", "3日前", True),
    ]
    assert render_page(inputs, later).count("⚠ 古い情報") == 3
    assert render_page(inputs, later, stale_after=timedelta(days=4)).count("⚠ 古い情報") == 0


def test_the_fashion_offer_is_active_and_a_zero_rate_is_not(world):
    _, _, inputs = world
    offers = page_view.active_amazon_offers(inputs.offers, NOW)
    assert [(o.site_name, o.bonus, o.fashion) for o in offers] == [("楽天リーベイツ", "1%還元", True)]


def test_no_fashion_offer_is_said_plainly(tmp_path):
    engine = build_world(str(tmp_path / "w.db"), with_offer=False)
    html = render_page(read_inputs(engine), NOW)
    assert "現在Amazonファッションの還元はありません" in html


def test_with_a_fashion_offer_the_no_offer_line_is_absent(html):
    assert "現在Amazonファッションの還元はありません" not in html
    assert "Amazonファッション 1%還元" in html


# --------------------------------------------------------------------------- step charts


def test_the_chart_is_steps_not_interpolation(tables):
    chart = line(tables["amazon_gift"], "hapitas").chart
    assert re.fullmatch(r"M\d+ \d+(H\d+V\d+)*(H\d+)?", chart.line)
    # 500→500 (¥100) for ten days, then 490→500 (¥102.04): one change, upwards.
    assert chart.changes == 1 and chart.low == 100 and chart.high == Fraction(500 * 100, 490)
    m = re.fullmatch(r"M0 (\d+)H(\d+)V(\d+)H(\d+)", chart.line)
    y_before, x_change, y_after, x_end = map(int, m.groups())
    assert y_after < y_before  # higher rate is drawn higher
    assert x_change == round(Fraction(10, 30) * 120)  # the change is a third of the way in
    assert x_end == round(Fraction(30 * 24 - 3, 30 * 24) * 120)  # last seen three hours ago


def test_campaigns_are_bands_on_their_exit(tables):
    assert line(tables["amazon_gift"], "hapitas").chart.bands
    assert not line(tables["bank"], "hapitas").chart.bands


def test_a_long_history_costs_at_most_a_few_bytes_per_pixel():
    steps = [(START + timedelta(hours=6 * i), START + timedelta(hours=6 * i + 5), Fraction(100 + i % 7))
             for i in range(5000)]
    chart = step_chart(steps, [], START, START + timedelta(hours=6 * 5000))
    assert len(chart.line) < 120 * 10
    assert chart.changes == sum(1 for i in range(1, 5000) if i % 7 != (i - 1) % 7)


def test_the_chart_of_a_non_money_exit_counts_its_own_unit_not_yen(tmp_path):
    """Hapitas 2 pt → 1 JAL mile: the row says — for yen per 100 pt, so its
    chart must not say 「¥50〜¥50/100pt」 (a mile is not a yen)."""
    engine = build_world(str(tmp_path / "w.db"))
    at = NOW - timedelta(hours=1)
    crawl(Store(engine), "hapitas", at, [*hapitas_exits(at),
                                        exit_seen("hapitas", "jal_mile", "JALマイル", 2, 1, at)])
    page = render_page(read_inputs(engine), NOW)
    [row] = re.findall(r'<tr[^>]*>(?:(?!</tr>).)*JALマイル(?:(?!</tr>).)*</tr>', page, re.S)
    [title] = re.findall(r"<title>([^<]*)</title>", row)
    assert title == "50〜50マイル/100pt、変更0回"
    # A yen destination keeps its yen.
    assert "<title>¥100〜¥102.04/100pt、変更1回</title>" in page


def test_a_band_for_a_campaign_that_has_not_begun_is_not_drawn():
    chart = step_chart([(START, NOW, Fraction(1))], [(NOW + timedelta(days=1), NOW + timedelta(days=2))],
                       START, NOW)
    assert chart.bands == ""


# --------------------------------------------------------------------------- escaping and the HTML


def test_scraped_markup_is_escaped(html):
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=" in html
    assert html.count("<script>") == 1  # ours, at the end


def test_the_page_is_japanese_and_self_contained(html):
    assert '<html lang="ja">' in html
    assert not re.search(r'(src|href)="(https?:)?//(?!\w+\.example/)', html.split("<main>")[0])
    assert "@import" not in html and "url(" not in html


def test_every_value_links_to_its_source(html):
    row = html.split('data-exit="')[1].split("</tr>")[0]
    assert row.count('href="https://') >= 8


def test_the_page_says_when_it_was_generated_and_how_the_spiders_did(html):
    assert "生成日時" in html and "2026-11-23 09:00" in html
    assert "クローラーの状態" in html and "一部異常" in html and "only 1 items" in html


def test_the_personal_section_comes_from_the_wallet(world, tmp_path):
    from pointexit.page import personal_plan

    _, engine, inputs = world
    wallet = tmp_path / "wallet.toml"
    wallet.write_text('[sites.hapitas]\npoints = 1234\n\n[[spend]]\ndate = 2026-12-10\nyen = 500\n',
                      encoding="utf-8")
    personal = personal_plan(engine, wallet, NOW.date())
    [step] = personal.steps
    # One 490 pt step; the recorded 2 % campaign running that day makes it ¥510.
    assert (step.site_name, step.points, step.yen) == ("ハピタス", 490, 510)
    # What to apply for today is on the page too, as `recommend` prints it
    # (the page showed the table alone, which is not always what to do today).
    assert (personal.now, personal.now_differs) == ([step], False)
    html = render_page(inputs, NOW, personal)
    assert "<li>今日の申請: ハピタス " in html and "490pt → ¥510 <small>(先着)</small></li>" in html
    assert "表は今日の相場で組んだ全体の計画です" not in html
    assert "あなたの交換プラン" in html
    assert "あなたの交換プラン" not in render_page(inputs, NOW)


def test_the_personal_section_says_when_today_differs_and_gives_the_advice(world):
    from pointexit.page import PersonalStep, PersonalView

    day = NOW.date()
    row = PersonalStep(day, day, "モッピー", "Amazonギフトカード", 1_500, "pt", 1_500, day, day, "https://m.example/")
    other = PersonalStep(day, day, "ハピタス", "Amazonギフトカード", 1_470, "pt", 1_500, day, day, "https://h.example/")
    view = PersonalView(today=day, steps=[row], now=[other], advice=["ハピタス: 2027-01-03 まで待つ価値あり"],
                        applies_today=True, now_differs=True)
    html = render_page(world[2], NOW, view)
    section = html[html.index('<section id="personal">'):]
    section = section[:section.index("</section>")]
    assert "表は今日の相場で組んだ全体の計画です" in section
    assert "<li>今日の申請: ハピタス " in section and "1,470pt → ¥1,500</li>" in section
    assert "助言: ハピタス: 2027-01-03 まで待つ価値あり" in section
    nothing = render_page(world[2], NOW, PersonalView(today=day, steps=[row], applies_today=True, now_differs=True))
    assert "<li>今日の申請: なし（下の助言のとおり待ちます）</li>" in nothing


def test_the_personal_table_says_when_to_apply_and_in_the_sites_unit(world, tmp_path):
    """Hapitas' 30,000 pt monthly cap moves part of the exchange to December: the
    table had no apply day, and its 「今日申請なら到着」 column gave that part's
    arrival as if applied today; dot money's balance read 594pt."""
    from pointexit.page import personal_plan

    _, engine, inputs = world
    wallet = tmp_path / "wallet.toml"
    wallet.write_text("[sites.hapitas]\npoints = 60000\n\n[sites.dotmoney]\npoints = 600\n\n"
                      "[[spend]]\ndate = 2027-01-20\nyen = 45000\n", encoding="utf-8")
    personal = personal_plan(engine, wallet, NOW.date())
    december = [s for s in personal.steps if s.apply_on > NOW.date()]
    assert [(s.apply_on.isoformat(), s.points, s.arrives_by.isoformat()) for s in december] == [
        ("2026-12-01", 12_740, "2026-12-04")]
    html = render_page(inputs, NOW, personal)
    section = html[html.index('<section id="personal">'):]
    section = section[:section.index("</section>")]
    assert "<th>申請日</th>" in section and "<th>到着(遅くとも)</th>" in section
    assert "今日申請なら到着" not in section
    assert "<tr><td>2026-12-01</td>" in section
    assert ">594マネー</td>" in section and "594pt" not in section


def test_the_personal_table_shows_the_fee_a_step_costs_as_recommend_does(tmp_path):
    """ECナビ's Amazon exit takes a 1,000 pt fee on top of the 5,000 pt
    exchanged: `recommend` says 「5,000pt (+手数料1,000pt)」, the page said
    5,000pt, a thousand points short of what the application takes."""
    from storage.engine import open_engine
    from pointexit.page import personal_plan

    engine = open_engine(str(tmp_path / "fee.db"))
    at = NOW - timedelta(hours=1)
    crawl(Store(engine), "ecnavi", at, [exit_seen("ecnavi", "amazon_gift", "Amazonギフト券", 5000, 500, at,
                                                  fee_points=1000, lag_min_days=0, lag_max_days=0)])
    wallet = tmp_path / "wallet.toml"
    wallet.write_text("[sites.ecnavi]\npoints = 7000\n\n[[spend]]\ndate = 2026-12-10\nyen = 500\n",
                      encoding="utf-8")
    personal = personal_plan(engine, wallet, NOW.date())
    [step] = personal.steps
    assert (step.points, step.fee_points, step.yen) == (5000, 1000, 500)
    html = render_page(read_inputs(engine), NOW, personal)
    section = html[html.index('<section id="personal">'):]
    assert '<td class="n">5,000pt <small>(+手数料1,000pt)</small></td>' in section


def test_the_personal_table_names_a_steps_campaigns_and_marks_first_come(tmp_path):
    """`recommend` prints 「ルート [キャンペーン]」 and 「¥… (先着)」 for a step
    counting on a first-come campaign; the page's table showed neither, so the
    yen read as certain."""
    from pointexit.page import personal_plan

    title = "Amazon <b>2%</b> 増量 & 先着"
    engine, wallet = first_come_plan(tmp_path, title)
    personal = personal_plan(engine, wallet, NOW.date())
    [step] = personal.steps
    assert (step.campaigns, step.first_come, step.yen) == ((title,), True, 510)
    html = render_page(read_inputs(engine), NOW, personal)
    section = html[html.index('<section id="personal">'):]
    row = section[section.index("<tbody>"):section.index("</tbody>")]
    assert " <small>[Amazon &lt;b&gt;2%&lt;/b&gt; 増量 &amp; 先着]</small></td>" in row
    assert '<td class="n">¥510 <small>(先着)</small></td>' in row


def test_the_personal_section_is_planned_as_of_the_pages_moment(tmp_path, monkeypatch):
    """build_site(…, now) planned with the clock's moment: a campaign with no
    end date, seen an hour before `now`, had gone stale by the clock (more
    than two days later) and the plan left it out, while the page was built
    as of `now`."""
    from pointexit.page import build_site
    from storage.engine import open_engine

    engine = open_engine(str(tmp_path / "open_campaign.db"))
    at = NOW - timedelta(hours=1)
    crawl(Store(engine), "hapitas", at, hapitas_exits(at, amazon_points=500),
          campaigns=[hapitas_campaign(at, title="Amazon 2%増量", ends_at=None)])
    wallet = tmp_path / "wallet.toml"
    wallet.write_text("[sites.hapitas]\npoints = 1000\n\n[[spend]]\ndate = 2026-12-10\nyen = 500\n",
                      encoding="utf-8")
    monkeypatch.setenv("POINTEXIT_NOW", (NOW + timedelta(days=30)).isoformat())  # the clock, far on
    html = build_site(engine, tmp_path / "out", NOW, wallet=wallet).index.read_text(encoding="utf-8")
    row = html[html.index('<section id="personal">'):]
    row = row[row.index("<tbody>"):row.index("</tbody>")]
    assert "<small>[Amazon 2%増量]</small>" in row and "¥510" in row, row


def test_todays_application_shows_the_fee_campaigns_and_first_come_as_the_table_does(tmp_path):
    """今日の申請, the line a user applies from, said 「5,000pt → ¥510」: not the
    1,000 pt fee the application takes on top, nor the campaign the yen counts
    on and that it is first-come, which the table above it shows."""
    from pointexit.page import personal_plan
    from tests.page_world import fee_and_first_come_plan

    engine, wallet = fee_and_first_come_plan(tmp_path, "Amazon <b>2%</b> & 先着")
    personal = personal_plan(engine, wallet, NOW.date(), now=NOW)
    html = render_page(read_inputs(engine), NOW, personal)
    section = html[html.index('<ul id="apply-today">'):]
    [line] = re.findall(r"<li>今日の申請: .*</li>", section[:section.index("</ul>")])
    assert line == ('<li>今日の申請: ECナビ <a href="https://ecnavi.example/exchange/amazon_gift" rel="noreferrer">'
                    "Amazonギフト券</a> <small>[Amazon &lt;b&gt;2%&lt;/b&gt; &amp; 先着]</small> "
                    "5,000pt <small>(+手数料1,000pt)</small> → ¥510 <small>(先着)</small></li>")


def test_the_wallet_the_readme_shows_for_the_page_is_read(world, tmp_path):
    from pathlib import Path

    from pointexit.page import personal_plan

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Comparison page")[1].split("\n## ")[0]
    [example] = re.findall(r"```toml\n(.*?)```", section, re.S)
    wallet = tmp_path / "wallet.toml"
    wallet.write_text(example, encoding="utf-8")
    personal = personal_plan(world[1], wallet, NOW.date())
    assert [(s.site_name, s.for_spend.isoformat()) for s in personal.steps][:1] == [("ハピタス", "2027-01-20")]


# --------------------------------------------------------------------------- the command


def test_page_command_writes_both_files(world, cli, tmp_path):
    db, _, _ = world
    out = tmp_path / "site"
    proc = cli("page", "--db", db, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert (out / "index.html").is_file() and (out / "feed.xml").is_file()
    assert "交換先 12 件" in proc.stdout
    assert not list(out.glob(".*"))  # no temporary files left behind


def test_page_on_an_empty_database_says_there_is_no_data(cli, tmp_path):
    from storage.engine import open_engine

    db = tmp_path / "empty.db"
    open_engine(db).dispose()
    proc = cli("page", "--db", str(db), "--out", str(tmp_path / "site"))
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "まだ交換先のデータがありません" in html and 'class="sortable' not in html
    assert "現在Amazonファッションの還元はありません" in html


def _one_line_error(proc):
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    return proc.stderr


def test_page_on_a_missing_database_fails_in_one_line(cli, tmp_path):
    err = _one_line_error(cli("page", "--db", str(tmp_path / "nope.db"), "--out", str(tmp_path / "o")))
    assert "no database at" in err
    assert not (tmp_path / "nope.db").exists()
    assert not (tmp_path / "o").exists()  # no empty directory left behind


def test_page_on_a_file_that_is_not_a_database_fails_in_one_line(cli, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database\n" * 50)
    err = _one_line_error(cli("page", "--db", str(junk), "--out", str(tmp_path / "o")))
    assert "not an SQLite file" in err
    assert junk.read_bytes() == b"not a database\n" * 50
    assert not (tmp_path / "o").exists()  # no empty directory left behind


def test_page_on_a_corrupt_sqlite_file_fails_in_one_line(cli, world, tmp_path):
    db, _, _ = world
    broken = tmp_path / "broken.db"
    data = bytearray(open(db, "rb").read())
    data[100:4096] = b"\xff" * (4096 - 100)  # header kept, schema page destroyed
    broken.write_bytes(bytes(data))
    err = _one_line_error(cli("page", "--db", str(broken), "--out", str(tmp_path / "o")))
    assert "database" in err
    assert not (tmp_path / "o").exists()  # no empty directory left behind


@pytest.mark.parametrize("make_out", [
    lambda tmp: (tmp / "a-file").write_text("x") and tmp / "a-file",  # a file, not a directory
    lambda tmp: (tmp / "f").write_text("x") and tmp / "f" / "sub",  # below a file
])
def test_page_into_an_unwritable_out_fails_in_one_line(cli, world, tmp_path, make_out):
    db, _, _ = world
    err = _one_line_error(cli("page", "--db", db, "--out", str(make_out(tmp_path))))
    assert "cannot" in err


def test_a_file_that_cannot_be_replaced_leaves_no_temporary_file_behind(tmp_path):
    from pointexit.page import PageOutputError, write_site

    (tmp_path / "feed.xml").mkdir()  # something in the way: the rename fails
    with pytest.raises(PageOutputError, match="cannot write .*feed.xml"):
        write_site(tmp_path, {"index.html": b"<html>", "feed.xml": b"<feed/>"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed.xml", "index.html"]


@pytest.mark.parametrize("option", ["--out", "--wallet"])
def test_an_empty_out_or_wallet_is_a_usage_error(world, tmp_path, monkeypatch, capsys, option):
    """`--out "$OUT"` with the variable unset: Path("") is the current
    directory, where the page and feed were written over whatever was there."""
    from pointexit.cli import main

    db, _, _ = world
    monkeypatch.setenv("POINTEXIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("POINTEXIT_DATA_DIR", str(tmp_path / "data"))
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / "index.html").write_text("mine")
    monkeypatch.chdir(cwd)
    args = {"--out": str(tmp_path / "o"), "--wallet": None, option: ""}
    assert main(["page", "--db", db, *(a for k, v in args.items() if v is not None for a in (k, v))]) == 2
    err = capsys.readouterr().err
    assert f"{option}: empty path" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in cwd.iterdir()) == ["index.html"] and (cwd / "index.html").read_text() == "mine"


def test_a_bad_wallet_fails_in_one_line(cli, world, tmp_path):
    db, _, _ = world
    wallet = tmp_path / "wallet.toml"
    wallet.write_text("[sites.nosuchsite]\npoints = 10\n", encoding="utf-8")
    err = _one_line_error(cli("page", "--db", db, "--out", str(tmp_path / "o"), "--wallet", str(wallet)))
    assert "wallet" in err and "nosuchsite" in err
    assert not (tmp_path / "o").exists()  # no empty directory left behind
