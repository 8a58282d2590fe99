"""`pointexit recommend` and `pointexit wallet` as a user runs them, on a real
SQLite file written through storage (chains, a campaign, a routing offer)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from pointexit.clock import JST
from pointexit.wallet import wallet_example
from storage.records import CampaignSeen, ExitSeen, RoutingOfferSeen, RunOutcome

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=JST)
TODAY = "2026-11-23"


def _exit(site, dest, label, pin, out, lag, **kw):
    return ExitSeen(site=site, destination=dest, label=label, points_in=pin, value_out=out,
                    source_url=f"https://{site}.example/exchange/", seen_at=NOW,
                    minimum_points=kw.pop("minimum", pin), step_points=kw.pop("step", pin),
                    lag_min_days=1, lag_max_days=lag, **kw)


@pytest.fixture(scope="module")
def market_db(tmp_path_factory):
    from storage.engine import open_engine
    from storage.store import Store

    db = str(tmp_path_factory.mktemp("market") / "m.db")
    store = Store(open_engine(db))
    ok = RunOutcome("ok", None, 1, 1, 0, 0, 10_000)
    for site, exits, campaigns, offers in (
        ("hapitas", [_exit("hapitas", "amazon_gift", "Amazonギフトカード", 490, 500, 3),
                     _exit("hapitas", "dotmoney", "ドットマネー", 1, 1, 1, minimum=300, step=1)], [], []),
        ("dotmoney", [_exit("dotmoney", "amazon_gift", "Amazonギフトカード", 297, 300, 5)], [], []),
        ("moppy", [_exit("moppy", "amazon_gift", "Amazonギフトコード", 500, 500, 5)],
         [CampaignSeen(site="moppy", key="c1", destination="amazon_gift", title="Amazonギフト10%増量",
                       kind="bonus", bonus_bp=1_000, source_url="https://moppy.example/campaign/1",
                       seen_at=NOW, starts_at=NOW - timedelta(days=1), ends_at=NOW + timedelta(days=5),
                       cap_points=1_000, first_come=True)], []),
        ("rakuten_rebates", [], [], [RoutingOfferSeen(
            site="rakuten_rebates", key="amazon-fashion", store="Amazon", title="Amazonファッション",
            rate_bp=100, source_url="https://rebates.example/amazon-fashion", seen_at=NOW,
            scope="ファッション", conditions="エントリー必須", starts_at=NOW - timedelta(days=1),
            ends_at=NOW + timedelta(days=30))]),
    ):
        run = store.begin_run(site, site, NOW)
        store.finish_run(run, ok, NOW, exits=exits, campaigns=campaigns, offers=offers)
    return db


def recommend(cli, db, *args):
    proc = cli("recommend", "--db", db, "--today", TODAY, *args)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_chain_through_dot_money_is_chosen_when_cheaper(cli, market_db):
    plan = json.loads(recommend(cli, market_db, "--balance", "hapitas=5000",
                                "--spend", "2026-12-20:1200", "--json").stdout)
    [step] = plan["steps"]
    assert step["route"] == ["hapitas", "dotmoney", "amazon_gift"]
    assert (step["points"], step["yen"]) == (1_188, 1_200)  # 4 × 297 beats 3 × 490
    assert [h["units"] for h in step["hops"]] == [1_188, 1_200]
    # Mon 11-23 is a holiday: hop 1 lands Tue 11-24, hop 2 five business days later.
    assert step["arrives_by"] == "2026-12-01"
    assert [s["source_url"] for s in step["sources"]] == [
        "https://hapitas.example/exchange/", "https://dotmoney.example/exchange/"]


def test_a_chains_reason_names_each_hops_page(cli, market_db):
    args = ("--balance", "hapitas=5000", "--spend", "2026-12-20:1200")
    [reason] = [r for r in json.loads(recommend(cli, market_db, *args, "--json").stdout)["reasons"]
                if r["text"].startswith("ドットマネー")]
    # The second hop's 297→300 is dot money's own rate, read from its own page.
    assert (reason["source_url"], [m["source_url"] for m in reason["more_sources"]]) == (
        "https://hapitas.example/exchange/", ["https://dotmoney.example/exchange/"])
    assert reason["more_sources"][0]["seen_at"] == NOW.isoformat()
    out = " ".join(recommend(cli, market_db, *args).stdout.split())  # unfold the 160-column lines
    line = out[out.index("理由: ドットマネー"):]
    assert line.index("出典 https://hapitas.example/exchange/") < line.index("／ 出典 https://dotmoney.example/exchange/")


def test_running_campaign_is_used_and_flagged_first_come(cli, market_db):
    plan = json.loads(recommend(cli, market_db, "--balance", "moppy=1000",
                                "--spend", "2026-12-20:1100", "--json").stdout)
    [step] = plan["steps"]
    assert (step["points"], step["yen"], step["uncertain"]) == (1_000, 1_100, True)
    assert step["campaigns"] == ["Amazonギフト10%増量"]
    # The ¥1,100 counts on the campaign, which ends 11-28: applying later (the
    # gift would still arrive in time) would bring ¥1,000.
    assert step["apply_by"] == "2026-11-28"
    # No campaign history to wait for: the step is today's application.
    assert [(s["site"], s["points"], s["yen"]) for s in plan["now"]] == [("moppy", 1_000, 1_100)]
    assert any("先着" in w for w in plan["warnings"])
    [reason] = [r for r in plan["reasons"] if r["source_url"] == "https://moppy.example/campaign/1"]
    # Named as the user reads them, not "moppy → amazon_gift".
    assert reason["text"].startswith("キャンペーン「Amazonギフト10%増量」: モッピー → Amazonギフト"), reason


def test_campaigns_run_on_the_day_planned_for_not_on_the_clocks_date():
    from pointexit.market import running_campaigns
    from storage.records import CurrentCampaign

    ends = datetime(2026, 11, 28, 23, 59, tzinfo=JST)
    row = CurrentCampaign(1, "moppy", "amazon_gift", "Amazonギフト10%増量", "bonus", 1_000, NOW, ends,
                          1_000, None, True, "https://moppy.example/campaign/1", NOW, NOW)
    later = datetime(2026, 12, 3, 9, 0, tzinfo=JST)  # the clock, after the campaign ended
    assert [c.ends_on for c in running_campaigns([row], later, NOW.date())] == [ends.date()]
    assert running_campaigns([row], later) == []
    assert running_campaigns([row], later, ends.date() + timedelta(days=1)) == []


def test_fashion_spend_gets_the_routing_offer(cli, market_db):
    plan = json.loads(recommend(cli, market_db, "--spend", "2026-12-05:12345:fashion", "--json").stdout)
    [offer] = [a for a in plan["advice"] if a["kind"] == "routing_offer"]
    assert offer["numbers"]["points"] == 123 and offer["numbers"]["eligible_yen"] == 12_345
    assert offer["source_url"] == "https://rebates.example/amazon-fashion"


def test_table_then_warnings_then_reasons_with_sources(cli, market_db):
    out = recommend(cli, market_db, "--balance", "hapitas=600", "--spend", "2026-11-25:800",
                    "--spend", "2026-12-20:500").stdout
    for head in ("申請日", "サイト", "ルート", "ポイント", "受取(円)", "到着(遅くとも)"):
        assert head in out
    assert out.index("交換プラン") < out.index("注意:") < out.index("理由:")
    assert "¥800 が間に合いません" in out
    assert out.index("交換プラン") < out.index("今日の申請: ハピタス") < out.index("注意:")
    assert "出典 https://hapitas.example/exchange/" in out and "JST" in out


def test_wallet_init_then_recommend_reads_it(cli, market_db, tmp_path):
    # Written on the market's day, the example is dated from it (test_wallet checks those dates).
    proc = cli("wallet", "init", env={"POINTEXIT_NOW": NOW.isoformat()})
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "config" / "wallet.toml"
    assert path.read_text(encoding="utf-8") == wallet_example(NOW.date())
    again = cli("wallet", "init")
    assert again.returncode == 2 and "already exists" in again.stderr
    plan = json.loads(recommend(cli, market_db, "--json").stdout)
    # The example's gift, timed points and Amazon Points pay ¥3,500 of the
    # 12-10 spend; Associates' October gift arrives 12-12 for January.
    assert [(c["date"], c["source"], c["yen"]) for c in plan["covered_by_balance"]] == [
        ("2026-12-10", "期間限定ポイント (期限 2026-12-31)", 300),
        ("2026-12-10", "Amazonポイント", 1_200),
        ("2026-12-10", "ギフト残高 (期限 2036-05-01)", 2_000),
        ("2027-01-15", "アソシエイト 2026-10 分 (期限 2036-12-12)", 1_800)]
    # The rest is exchanged from the example's 3,210 Hapitas and 1,500 Moppy points.
    assert [(s["site"], s["points"], s["yen"]) for s in plan["steps"]] == [
        ("hapitas", 1_960, 2_000), ("moppy", 1_500, 1_600), ("hapitas", 1_188, 1_200)]
    assert plan["left"] == {"hapitas": 62, "moppy": 0, "dotmoney": 0}
    assert (plan["uncovered"], plan["shortfall_yen"]) == ([{"date": "2027-01-15", "yen": 2_900}], 2_900)
    assert "2027-01-15 の予定: ¥2,900 が間に合いません（残高または交換日数が足りません）" in plan["warnings"]


def test_wallet_check_summarises_the_example_in_each_sites_unit(cli, tmp_path):
    """dot money counts マネー (as recommend and the page write it), not pt."""
    assert cli("wallet", "init", env={"POINTEXIT_NOW": NOW.isoformat()}).returncode == 0
    proc = cli("wallet", "check")
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "config" / "wallet.toml"
    assert proc.stdout.splitlines()[:4] == [
        f"{path}: OK",
        "  ハピタス: 3,210pt (最終利用 2026-11-01)",
        "  モッピー: 1,500pt (最終利用 2026-09-20)",
        "  ドットマネー: 0マネー",
    ]


def test_explicit_wallet_file_and_balance_override(cli, market_db, tmp_path):
    w = tmp_path / "mine.toml"
    w.write_text("[sites.hapitas]\npoints = 100\n[[spend]]\ndate = 2026-12-20\nyen = 1000\n", encoding="utf-8")
    plan = json.loads(recommend(cli, market_db, "--wallet", str(w), "--balance", "hapitas=2000",
                                "--json").stdout)
    assert plan["shortfall_yen"] == 0 and plan["left"]["hapitas"] < 2_000


@pytest.mark.parametrize("content, message", [
    ("[sites.hapitas]\npoints = -1\n", "sites.hapitas.points: cannot be negative"),
    ("[sites.gold]\npoints = 1\n", "sites.gold: unknown site"),
    ('[sites.hapitas]\npoints = 1\nlast_activity = "soon"\n', "sites.hapitas.last_activity: expected a date"),
    ("[sites.hapitas]\npoints = [1]\n", "sites.hapitas.points: expected a whole number"),
    ("this is not toml", "not valid TOML"),
])
def test_bad_wallet_is_one_line_naming_file_and_key(cli, market_db, tmp_path, content, message):
    w = tmp_path / "bad.toml"
    w.write_text(content, encoding="utf-8")
    proc = cli("recommend", "--db", market_db, "--wallet", str(w))
    assert proc.returncode == 2
    assert str(w) in proc.stderr and message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_missing_wallet_file_is_exit_2(cli, market_db, tmp_path):
    proc = cli("recommend", "--db", market_db, "--wallet", str(tmp_path / "none.toml"))
    assert proc.returncode == 2 and "no wallet file" in proc.stderr


@pytest.mark.parametrize("args, message", [
    # An unset shell variable ($WALLET) read the default wallet without a word.
    (["recommend", "--wallet", ""], "--wallet: empty path (leave the option out for the default wallet)"),
    (["wallet", "check", "--path", " "], "--path: empty path (leave the option out for the default wallet)"),
    (["wallet", "init", "--path", ""], "--path: empty path (leave the option out for the default wallet)"),
])
def test_an_empty_wallet_path_is_a_usage_error(cli, market_db, tmp_path, args, message):
    assert cli("wallet", "init").returncode == 0  # a default wallet that must not be read instead
    proc = cli(*args, *(["--db", market_db] if args[0] == "recommend" else []))
    assert proc.returncode == 2 and proc.stderr.strip() == f"pointexit: error: {message}", proc.stderr


@pytest.mark.parametrize("calendar, arrives", [
    ("", "2027-01-06"),  # the default break, 12/29–1/3: Mon 1-4, Tue 1-5, Wed 1-6
    ('[calendar]\nyear_end = []\n', "2026-12-31"),  # a site that works through it (1-1 is a holiday)
    ('[calendar]\nyear_end = ["12-28", "01-05"]\n', "2027-01-08"),  # a site's announced dates: 1-6, 1-7, 1-8
    ('[calendar]\nclosed_days = [2027-01-05]\n', "2027-01-07"),
])
def test_the_year_end_break_and_closed_days_come_from_config(cli, market_db, tmp_path, calendar, arrives):
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "config.toml").write_text(calendar, encoding="utf-8")
    plan = json.loads(cli("recommend", "--db", market_db, "--today", "2026-12-28", "--balance", "hapitas=490",
                          "--spend", "2027-01-20:500", "--json").stdout)
    [step] = plan["steps"]
    assert (step["site"], step["apply_on"], step["arrives_by"]) == ("hapitas", "2026-12-28", arrives)


@pytest.mark.parametrize("calendar, message", [
    ('year_end = ["12-29"]', '[calendar] year_end must be the break\'s first and last day as ["12-29", "01-03"]'),
    ('year_end = ["12-32", "01-03"]', "[calendar] year_end must be"),
    # Swapped: it would close almost the whole year.
    ('year_end = ["01-03", "12-29"]', "[calendar] year_end must be a break of at most 31 days across New Year"),
    ('year_end = "12-29"', "[calendar] year_end must be a list, not '12-29'"),
    ('closed_days = ["2027-02-30"]', "[calendar] closed_days must be a list of dates (2027-05-06), not '2027-02-30'"),
    ('closed_days = [5]', "[calendar] closed_days must be a list of dates (2027-05-06), not 5"),
    ('closed = []', "[calendar] closed is not a setting pointexit reads (did you mean closed_days?)"),
])
def test_a_bad_calendar_setting_is_one_line(cli, market_db, tmp_path, calendar, message):
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "config.toml").write_text(f"[calendar]\n{calendar}\n", encoding="utf-8")
    proc = cli("recommend", "--db", market_db, "--balance", "hapitas=490", "--spend", "2027-01-20:500")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert message in proc.stderr and str(tmp_path / "config" / "config.toml") in proc.stderr


def test_the_table_says_when_todays_applications_differ_from_its_rows(capsys):
    """The README's wallet on the demo data: the table paid 12-10 from モッピー
    today while 今日の申請 said ハピタス, without a word on why they differ."""
    from advisor.model import Plan, Step
    from pointexit.cli.recommend import print_plan

    day = date(2026, 12, 6)
    moppy = Step("moppy", "Amazon", 1_500, 0, 1_500, day, day, date(2026, 12, 10), "u", NOW, day,
                 ("moppy", "amazon_gift"))
    hapitas = Step("hapitas", "Amazon", 1_470, 0, 1_500, day, day, date(2026, 12, 10), "u", NOW, day,
                   ("hapitas", "amazon_gift"))
    note = "（表は今日の相場で組んだ全体の計画です。今日の申請は、待つ価値を考えたうえで次のとおりです）"
    print_plan(Plan(steps=[moppy], now=[hapitas]), day, NOW)
    assert note in capsys.readouterr().out.splitlines()
    print_plan(Plan(steps=[moppy], now=[moppy]), day, NOW)
    assert note not in capsys.readouterr().out


def test_spaces_around_dates_and_tags_are_read_as_at_is(cli, market_db):
    # `--at ' 2026-11-23T09:00'` was accepted while these were refused.
    def plan(today, spend):
        proc = cli("recommend", "--db", market_db, "--today", today, "--balance", "moppy=1000",
                   "--spend", spend, "--json", env={"POINTEXIT_NOW": "2026-11-23T09:00"})  # same ages
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    spaced, plain = plan(" 2026-11-23 ", " 2026-12-20 : 1100 : fashion "), plan("2026-11-23", "2026-12-20:1100:fashion")
    assert spaced == plain and [(s["points"], s["yen"]) for s in plain["steps"]] == [(1_000, 1_100)]


def test_a_site_given_twice_by_balance_is_a_usage_error(cli, market_db):
    # They used to be added up: 1,000 + 2,000 planned as 3,000 points the user does not have.
    proc = cli("recommend", "--db", market_db, "--balance", "hapitas=1000", "--balance", "hapitas=2000",
               "--spend", "2026-12-20:500")
    assert proc.returncode == 2 and proc.stderr.strip() == (
        "pointexit: error: bad --balance 'hapitas=2000': hapitas is already given (1,000)"), proc.stderr


def test_wallet_init_into_a_directory_says_so_even_with_force(cli, tmp_path):
    proc = cli("wallet", "init", "--path", str(tmp_path), "--force")
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"pointexit: error: {tmp_path}: is a directory; give a file, "
                                   f"e.g. {tmp_path / 'wallet.toml'}")


def test_wallet_exchanged_this_month_keeps_the_plan_within_hapitas_cap(cli, tmp_path):
    from storage.engine import open_engine
    from storage.store import Store

    db = str(tmp_path / "cap.db")
    store = Store(open_engine(db))
    run = store.begin_run("hapitas", "hapitas", NOW)
    store.finish_run(run, RunOutcome("ok", None, 1, 1, 0, 0, 10_000), NOW, exits=[
        _exit("hapitas", "amazon_gift", "Amazonギフトカード", 490, 500, 3,
              monthly_cap_points=30_000, cap_scope="site")])
    wallet = tmp_path / "wallet.toml"
    wallet.write_text('[sites.hapitas]\npoints = 20000\n'
                      'exchanged = { month = "2026-11", points = 25000 }\n', encoding="utf-8")
    plan = json.loads(recommend(cli, db, "--wallet", str(wallet), "--spend", "2026-12-20:15000",
                                "--json").stdout)
    assert [(s["apply_on"], s["points"], s["yen"]) for s in plan["steps"]] == [
        ("2026-11-23", 4_900, 5_000), ("2026-12-01", 9_800, 10_000)]
    # A figure for another month is not this month's: the whole cap is free.
    wallet.write_text('[sites.hapitas]\npoints = 20000\n'
                      'exchanged = { month = "2026-10", points = 25000 }\n', encoding="utf-8")
    plan = json.loads(recommend(cli, db, "--wallet", str(wallet), "--spend", "2026-12-20:15000",
                                "--json").stdout)
    assert [(s["apply_on"], s["points"]) for s in plan["steps"]] == [("2026-11-23", 14_700)]


def test_campaign_sizes_seen_at_a_site_without_points_inform_the_wait(cli, tmp_path):
    """The user holds only Hapitas, whose own history shows small campaigns
    (+1 % every ten days); Moppy's exit to the same destination ran +10 %
    ones as often. Hapitas's next campaign may be that large too, so today's
    +3 % is not worth taking for a spend two months away."""
    from storage.engine import open_engine
    from storage.store import Store

    def past(site, n, bp, days_ago):
        start = NOW - timedelta(days=days_ago)
        return CampaignSeen(site=site, key=f"{site}{n}", destination="amazon_gift",
                            title=f"{site} +{bp // 100}% {n}", kind="bonus", bonus_bp=bp,
                            source_url=f"https://{site}.example/campaign/{n}",
                            seen_at=start, starts_at=start, ends_at=start + timedelta(days=3))

    def crawl(db, with_moppy):
        store = Store(open_engine(db))
        hapitas = [past("hapitas", n, 100, 90 - 10 * n) for n in range(9)] + [CampaignSeen(
            site="hapitas", key="now", destination="amazon_gift", title="Amazonギフト3%増量", kind="bonus",
            bonus_bp=300, source_url="https://hapitas.example/campaign/now", seen_at=NOW,
            starts_at=NOW - timedelta(days=1), ends_at=NOW + timedelta(hours=14))]  # its last day: one
        # that runs on is held to its last day whatever waiting is worth
        sites = [("hapitas", [_exit("hapitas", "amazon_gift", "Amazonギフトカード", 100, 100, 3)], hapitas)]
        if with_moppy:
            sites.append(("moppy", [_exit("moppy", "amazon_gift", "Amazonギフトコード", 500, 500, 5)],
                          [past("moppy", n, 1_000, 90 - 10 * n) for n in range(9)]))
        for site, exits, camps in sites:
            run = store.begin_run(site, site, NOW)
            store.finish_run(run, RunOutcome("ok", None, 1, 1, 0, 0, 10_000), NOW, exits=exits, campaigns=camps)
        return db

    args = ("--balance", "hapitas=10000", "--spend", "2027-01-25:2000", "--json")
    alone = json.loads(recommend(cli, crawl(str(tmp_path / "alone.db"), False), *args).stdout)
    assert [(s["site"], s["points"], s["yen"]) for s in alone["now"]] == [("hapitas", 2_000, 2_060)]
    pooled = json.loads(recommend(cli, crawl(str(tmp_path / "pooled.db"), True), *args).stdout)
    assert pooled["now"] == []
    [wait] = [a for a in pooled["advice"] if a["kind"] == "wait"]
    assert wait["numbers"]["site"] == "hapitas" and wait["numbers"]["yen"] == 2_000


def test_wait_advice_on_an_exit_without_campaigns_says_nothing_of_its_history(cli, tmp_path):
    """Hapitas's route through dot money has a history of +5 % campaigns, its
    direct Amazon exit none (first seen today): the part waiting on that exit
    said 「過去1日でこの交換先のキャンペーン開始 0 回」."""
    from storage.engine import open_engine
    from storage.store import Store

    def past(n):
        start = NOW - timedelta(days=90 - 10 * n)
        return CampaignSeen(site="hapitas", key=f"dm{n}", destination="dotmoney", title=f"ドットマネー5%増量 {n}",
                            kind="bonus", bonus_bp=500, source_url=f"https://hapitas.example/campaign/{n}",
                            seen_at=start, starts_at=start, ends_at=start + timedelta(days=3))

    db = str(tmp_path / "nohistory.db")
    store = Store(open_engine(db))
    ok = RunOutcome("ok", None, 1, 1, 0, 0, 10_000)
    for site, exits, camps in (
        ("hapitas", [_exit("hapitas", "amazon_gift", "Amazonギフトカード", 100, 100, 0),
                     _exit("hapitas", "dotmoney", "ドットマネー", 1, 1, 0, minimum=300, step=1)],
         [past(n) for n in range(9)]),
        ("dotmoney", [_exit("dotmoney", "amazon_gift", "Amazonギフトカード", 297, 300, 0)], []),
    ):
        run = store.begin_run(site, site, NOW)
        store.finish_run(run, ok, NOW, exits=exits, campaigns=camps)
    args = ("--balance", "hapitas=10000", "--spend", "2027-01-25:2000")
    plan = json.loads(recommend(cli, db, *args, "--json").stdout)
    waits = {a["numbers"]["exit"]: a for a in plan["advice"] if a["kind"] == "wait"}
    assert "Amazonギフトカード" in waits and waits["Amazonギフトカード"]["numbers"]["campaigns_seen"] == 0
    assert "過去" not in waits["Amazonギフトカード"]["text"]
    assert "この交換先のキャンペーン開始 9 回" in waits["ドットマネー"]["text"]
    text = recommend(cli, db, *args).stdout
    assert "開始 0 回" not in text and "開始 9 回" in text


def test_a_site_that_counts_180_days_lapses_on_the_180th_day_not_six_months_on(cli, market_db, tmp_path):
    """Moppy's points lapse 180 days after the last login or point earned:
    from 2026-06-01 that is 2026-11-28, three days before six months on."""
    w = tmp_path / "wallet.toml"
    w.write_text("[sites.moppy]\npoints = 1500\nlast_activity = 2026-06-01\n", encoding="utf-8")
    plan = json.loads(recommend(cli, market_db, "--wallet", str(w), "--json").stdout)
    assert "モッピー: 1,500pt が 2026-11-28 に失効します（最終ログインまたはポイント獲得から180日）" in plan["warnings"]


def test_the_last_day_to_apply_is_never_after_the_sites_points_lapse(cli, market_db, tmp_path):
    """Hapitas's points lapse on 2026-12-01 (a year without a login): the
    gift for January could still arrive in time from an application in
    January, but by then there are no points to apply with."""
    w = tmp_path / "wallet.toml"
    w.write_text("[sites.hapitas]\npoints = 1500\nlast_activity = 2025-12-01\n"
                 "[[spend]]\ndate = 2027-01-15\nyen = 1000\n", encoding="utf-8")
    plan = json.loads(recommend(cli, market_db, "--wallet", str(w), "--json").stdout)
    assert [(s["apply_on"], s["apply_by"], s["yen"]) for s in plan["steps"]] == [
        ("2026-11-23", "2026-12-01", 1_000)]


def test_wait_advice_never_waits_past_the_day_the_points_lapse(cli, tmp_path):
    """Today's +3 % runs to 11-30 and is not first-come, so the plan would
    hold the exchange to that day; but these Hapitas points lapse on 11-26."""
    from storage.engine import open_engine
    from storage.store import Store

    db = str(tmp_path / "lapse.db")
    store = Store(open_engine(db))
    run = store.begin_run("hapitas", "hapitas", NOW)
    store.finish_run(run, RunOutcome("ok", None, 1, 1, 0, 0, 10_000), NOW, exits=[
        _exit("hapitas", "amazon_gift", "Amazonギフトカード", 100, 100, 3)], campaigns=[CampaignSeen(
            site="hapitas", key="now", destination="amazon_gift", title="Amazonギフト3%増量", kind="bonus",
            bonus_bp=300, source_url="https://hapitas.example/campaign/now", seen_at=NOW,
            starts_at=NOW - timedelta(days=1), ends_at=datetime(2026, 11, 30, 23, 59, tzinfo=JST))])
    wallet = tmp_path / "wallet.toml"
    wallet.write_text("[sites.hapitas]\npoints = 10000\nlast_activity = 2025-11-26\n"
                      "[[spend]]\ndate = 2027-01-25\nyen = 2000\n", encoding="utf-8")
    plan = json.loads(recommend(cli, db, "--wallet", str(wallet), "--json").stdout)
    [wait] = [a for a in plan["advice"] if a["kind"] == "wait"]
    assert wait["numbers"]["wait_until"] == "2026-11-26" and "2026-11-26 に申請" in wait["text"]
    assert [s["apply_by"] for s in plan["steps"]] == ["2026-11-26"]


def test_balances_already_past_their_date_are_said_to_have_lapsed(cli, market_db, tmp_path):
    """A wallet not updated for a while: what lapsed before today is not
    announced as lapsing (「失効します」) on a day already gone, nor told that
    an order would still extend it."""
    w = tmp_path / "wallet.toml"
    w.write_text("[sites.moppy]\npoints = 1500\nlast_activity = 2026-01-01\n"
                 "[[amazon.gift]]\nyen = 2000\nexpires = 2026-01-01\n"
                 "[amazon.points]\npoints = 500\nlast_order = 2025-01-01\n"
                 "[[amazon.timed_points]]\npoints = 300\nexpires = 2026-11-01\n", encoding="utf-8")
    plan = json.loads(recommend(cli, market_db, "--wallet", str(w), "--json").stdout)
    assert plan["warnings"] == [
        "モッピー: 1,500pt が 2026-06-30 に失効しています（最終ログインまたはポイント獲得から180日）",
        "Amazonポイント 500pt は 2026-01-01 に失効しています（最後の注文またはポイント獲得から1年）",
        "期間限定ポイント 300pt は 2026-11-01 に失効しています",
        "ギフト残高 (期限 2026-01-01): ¥2,000 は 2026-01-01 に失効しています",
    ]


def test_lapse_warnings_come_soonest_first_in_text_and_json(cli, market_db, tmp_path):
    """The wallet lists the far dates first; the warnings (each kind by its
    date, ties in the wallet's order) read the soonest risk first, alike in
    the text and in --json."""
    w = tmp_path / "wallet.toml"
    w.write_text("[[amazon.gift]]\nyen = 3000\nexpires = 2027-01-20\n"
                 "[[amazon.gift]]\nyen = 2000\nexpires = 2026-12-15\n"
                 "[[amazon.gift]]\nyen = 1000\nexpires = 2026-12-15\n"
                 "[[amazon.timed_points]]\npoints = 500\nexpires = 2026-12-31\n"
                 "[[amazon.timed_points]]\npoints = 200\nexpires = 2026-12-05\n", encoding="utf-8")
    expected = [
        "期間限定ポイント 200pt が 2026-12-05 に失効します（使う予定の注文がありません）",
        "期間限定ポイント 500pt が 2026-12-31 に失効します（使う予定の注文がありません）",
        "ギフト残高 (期限 2026-12-15): ¥2,000 が使われないまま 2026-12-15 に失効します",
        "ギフト残高 (期限 2026-12-15): ¥1,000 が使われないまま 2026-12-15 に失効します",
        "ギフト残高 (期限 2027-01-20): ¥3,000 が使われないまま 2027-01-20 に失効します",
    ]
    plan = json.loads(recommend(cli, market_db, "--wallet", str(w), "--json").stdout)
    assert plan["warnings"] == expected
    text = recommend(cli, market_db, "--wallet", str(w)).stdout
    assert [line.split("注意: ", 1)[1] for line in text.splitlines() if line.startswith("注意: ")] == expected


def test_a_balance_past_two_to_the_63_plans_like_any_other(cli, market_db):
    """A chain's amounts were counted with len(range(...)), which overflows
    past 2**63: an internal error instead of the plan."""
    plan = json.loads(recommend(cli, market_db, "--balance", f"hapitas={10**20}",
                                "--spend", "2026-12-20:1200", "--json").stdout)
    [step] = plan["steps"]
    assert (step["route"], step["points"], step["yen"]) == (["hapitas", "dotmoney", "amazon_gift"], 1_188, 1_200)
    assert plan["left"] == {"hapitas": 10**20 - 1_188}


@pytest.fixture(scope="module")
def gone_db(tmp_path_factory):
    """Moppy's first-come +10 % (11-01 to 11-30) and Rakuten Rebates' open-ended
    Amazon Fashion 1 %, both listed by the crawls of 11-20 and gone from the
    (ok) crawls of 11-22."""
    from storage.engine import open_engine
    from storage.store import Store

    db = str(tmp_path_factory.mktemp("gone") / "g.db")
    store = Store(open_engine(db))
    ok = RunOutcome("ok", None, 1, 1, 0, 0, 10_000)
    for day, listed in ((20, True), (22, False)):
        t = datetime(2026, 11, day, 9, 0, tzinfo=JST)
        moppy = store.begin_run("moppy", "moppy", t)
        store.finish_run(moppy, ok, t, exits=[ExitSeen(
            site="moppy", destination="amazon_gift", label="Amazonギフトコード", points_in=500, value_out=500,
            source_url="https://moppy.example/exchange/", seen_at=t, minimum_points=500, step_points=500,
            lag_min_days=1, lag_max_days=5)], campaigns=[CampaignSeen(
                site="moppy", key="c1", destination="amazon_gift", title="Amazonギフト10%増量", kind="bonus",
                bonus_bp=1_000, source_url="https://moppy.example/campaign/1", seen_at=t,
                starts_at=datetime(2026, 11, 1, tzinfo=JST), ends_at=datetime(2026, 11, 30, 23, 59, tzinfo=JST),
                first_come=True)] if listed else [])
        rebates = store.begin_run("rakuten_rebates", "rakuten_rebates", t)
        store.finish_run(rebates, ok, t, offers=[RoutingOfferSeen(
            site="rakuten_rebates", key="amazon-fashion", store="Amazon", title="Amazonファッション",
            rate_bp=100, source_url="https://rebates.example/amazon-fashion", seen_at=t,
            scope="ファッション")] if listed else [])
    store.engine.dispose()
    return db


def recommend_at(cli, db, *args):
    """`recommend --json` with the clock pinned to 11-23 09:00 JST."""
    proc = cli("recommend", "--db", db, "--today", TODAY, *args, "--json",
               env={"POINTEXIT_NOW": NOW.isoformat()})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_a_campaign_the_crawl_no_longer_lists_is_not_planned_on(cli, gone_db):
    """`campaigns` shows the first-come +10 % as 掲載終了 on 11-20 (it ran out);
    `recommend` planned ¥1,100 for 1,000pt on it and said to apply today."""
    plan = recommend_at(cli, gone_db, "--balance", "moppy=1000", "--spend", "2026-12-20:1100")
    [step] = plan["steps"]
    assert (step["points"], step["yen"], step["campaigns"], step["uncertain"]) == (1_000, 1_000, [], False)
    assert not any("先着" in w for w in plan["warnings"])


def test_a_gone_campaign_ran_until_it_was_last_seen():
    from pointexit.market import running_campaigns
    from storage.records import CurrentCampaign

    seen = datetime(2026, 11, 20, 9, 0, tzinfo=JST)
    row = CurrentCampaign(1, "moppy", "amazon_gift", "Amazonギフト10%増量", "bonus", 1_000,
                          datetime(2026, 11, 1, tzinfo=JST), datetime(2026, 11, 30, 23, 59, tzinfo=JST),
                          None, None, True, "https://moppy.example/campaign/1", seen, seen)
    open_ended = CurrentCampaign(2, "moppy", "amazon_gift", "常設", "bonus", 100, None, None,
                                 None, None, False, "https://moppy.example/campaign/2", seen, seen)
    assert running_campaigns([row, open_ended], NOW, gone={1, 2}) == []
    before = running_campaigns([row, open_ended], NOW, seen.date() - timedelta(days=5), gone={1, 2})
    assert [(c.title, c.ends_on) for c in before] == [
        ("Amazonギフト10%増量", seen.date()), ("常設", seen.date())]
    assert [c.ends_on for c in running_campaigns([row], NOW)] == [datetime(2026, 11, 30).date()]


def test_an_offer_the_crawl_no_longer_lists_is_not_advised(cli, gone_db):
    """`offers` shows Rakuten Rebates' Amazon Fashion 1 % as 掲載終了 on 11-20;
    `recommend` still told the user to shop through it (約11pt)."""
    plan = recommend_at(cli, gone_db, "--balance", "moppy=1000", "--spend", "2026-12-20:1100:fashion")
    assert [a for a in plan["advice"] if a["kind"] == "routing_offer"] == []


def test_a_gone_offer_ran_until_it_was_last_seen():
    from pointexit.market import listed_offers
    from storage.queries import Sighting
    from storage.records import CurrentRoutingOffer

    seen = datetime(2026, 11, 20, 9, 0, tzinfo=JST)
    offer = CurrentRoutingOffer(1, "rakuten_rebates", "Amazon", "Amazonファッション", 100, "ファッション",
                                None, None, None, None, "https://rebates.example/amazon-fashion", seen, seen)
    gone = Sighting("rakuten_rebates", False, "ok")
    listed = Sighting("rakuten_rebates", True, "ok")
    assert listed_offers([(offer, gone)], NOW) == []
    assert [o.ends_on for o in listed_offers([(offer, gone)], NOW, seen.date() - timedelta(days=3))] == [
        seen.date()]
    assert [o.ends_on for o in listed_offers([(offer, listed)], NOW)] == [None]


def test_todays_application_shows_the_fee_campaigns_and_first_come_as_the_table_does(tmp_path, cli):
    """今日の申請, the line a user applies from, said 「5,000pt → ¥510」: not the
    1,000 pt fee the application takes on top, nor the campaign the yen counts
    on and that it is first-come. A title Rich would read as markup
    (「[amazon …]」) vanished from the table."""
    from tests.page_world import fee_and_first_come_plan

    engine, wallet = fee_and_first_come_plan(tmp_path, "amazon 2% up")
    engine.dispose()
    proc = cli("recommend", "--db", str(tmp_path / "fee_first_come.db"), "--wallet", str(wallet),
               "--today", TODAY, env={"POINTEXIT_NOW": NOW.isoformat()})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert [ln for ln in lines if ln.startswith("今日の申請:")] == [
        "今日の申請: ECナビ ECナビ → Amazonギフトカード [amazon 2% up] 5,000pt (+手数料1,000pt) → ¥510 (先着)"]
    [row] = [ln for ln in lines if ln.startswith("│ 2026-11-23")]
    assert "[amazon 2% up]" in row and "5,000pt (+手数料1,000pt)" in row and "510 (先着)" in row, row


def test_a_database_without_exits_says_so(cli, tmp_path):
    """A database whose crawls all failed (no exit ever seen) planned nothing
    and said only 「交換は不要か、間に合う交換先がありません」, as if the sites
    had offered no exit in time; exits and page say there is no data."""
    from storage.engine import open_engine
    from storage.store import Store

    db = str(tmp_path / "failed.db")
    store = Store(open_engine(db))
    store.finish_run(store.begin_run("hapitas", "hapitas", NOW), RunOutcome("failed", "no_page", 0, 0, 0, 1, None), NOW)
    proc = recommend(cli, db, "--balance", "hapitas=3210", "--spend", "2026-12-10:2400")
    assert "交換先のデータがありません" in proc.stdout, proc.stdout
    out = json.loads(recommend(cli, db, "--balance", "hapitas=3210", "--spend", "2026-12-10:2400",
                               "--json").stdout)
    assert out["warnings"][0].startswith("交換先のデータがありません"), out["warnings"]


# --- `--today` in the past: the plan as of that day, on the market stored by its end

DAY1, DAY2, DAY3 = (datetime(2026, 11, d, 9, 0, tzinfo=JST) for d in (10, 11, 12))


@pytest.fixture(scope="module")
def history_db(tmp_path_factory):
    """Three days of crawls: Hapitas's Amazon rate 500 → 500 on 11-10, 490 → 500
    from 11-11 (a new page URL with it); Moppy's 500 → 500 unchanged all three
    days, its +10 % campaign (to 11-30) first listed on 11-12."""
    from storage.engine import open_engine
    from storage.store import Store

    db = str(tmp_path_factory.mktemp("history") / "h.db")
    store = Store(open_engine(db))
    ok = RunOutcome("ok", None, 1, 1, 0, 0, 10_000)
    for day, t in enumerate((DAY1, DAY2, DAY3), start=1):
        pin = 500 if day == 1 else 490
        run = store.begin_run("hapitas", "hapitas", t)
        store.finish_run(run, ok, t + timedelta(minutes=5), exits=[ExitSeen(
            site="hapitas", destination="amazon_gift", label="Amazonギフトカード", points_in=pin, value_out=500,
            source_url=f"https://hapitas.example/exchange/?rate={pin}", seen_at=t, minimum_points=pin,
            step_points=pin, lag_min_days=1, lag_max_days=3)])
        run = store.begin_run("moppy", "moppy", t)
        store.finish_run(run, ok, t + timedelta(minutes=5), exits=[ExitSeen(
            site="moppy", destination="amazon_gift", label="Amazonギフトコード", points_in=500, value_out=500,
            source_url="https://moppy.example/exchange/", seen_at=t, minimum_points=500, step_points=500,
            lag_min_days=1, lag_max_days=5)], campaigns=[CampaignSeen(
                site="moppy", key="c3", destination="amazon_gift", title="Amazonギフト10%増量", kind="bonus",
                bonus_bp=1_000, source_url="https://moppy.example/campaign/3", seen_at=t,
                starts_at=datetime(2026, 11, 12, tzinfo=JST), ends_at=datetime(2026, 11, 30, 23, 59, tzinfo=JST))]
            if day == 3 else [])
    store.engine.dispose()
    return db


def plan_on(cli, db, today, *args):
    """`recommend --json` (for `today`, if given) with the clock pinned to 11-23 09:00 JST."""
    proc = cli("recommend", "--db", db, *(("--today", today) if today else ()), *args, "--json",
               env={"POINTEXIT_NOW": NOW.isoformat()})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


HAPITAS = ("--balance", "hapitas=5000", "--spend", "2026-12-20:1000")
MOPPY = ("--balance", "moppy=1000", "--spend", "2026-12-20:1100")


def test_a_past_day_plans_with_the_rate_stored_then_and_its_source(cli, history_db):
    """`--today 2026-11-10` planned on 11-12's 490 → 500, first seen after it."""
    def step(today):
        [s] = plan_on(cli, history_db, today, *HAPITAS)["steps"]
        return s["points"], s["yen"], s["source_url"], s["seen_at"], s["age_seconds"]

    # Ages count from the end of the day planned for (its midnight), not the clock's 11-23.
    assert step("2026-11-10") == (1_000, 1_000, "https://hapitas.example/exchange/?rate=500",
                                  "2026-11-10T09:00:00+09:00", 15 * 3600)
    assert step("2026-11-11") == (980, 1_000, "https://hapitas.example/exchange/?rate=490",
                                  "2026-11-11T09:00:00+09:00", 15 * 3600)


def test_an_unchanged_rate_was_last_seen_by_the_days_own_crawl(cli, history_db):
    """Moppy's 500 → 500 is one observation last seen 11-12: as of 11-10 it
    was seen by 11-10's crawl, not two days later."""
    [s] = plan_on(cli, history_db, "2026-11-10", *MOPPY)["steps"]
    assert (s["source_url"], s["seen_at"], s["age_seconds"]) == (
        "https://moppy.example/exchange/", "2026-11-10T09:00:00+09:00", 15 * 3600)


def test_a_campaign_first_seen_later_is_not_planned_on(cli, history_db):
    def step(today):
        [s] = plan_on(cli, history_db, today, *MOPPY)["steps"]
        return s["points"], s["yen"], s["campaigns"]

    assert step("2026-11-11") == (1_000, 1_000, [])
    assert step("2026-11-12") == (1_000, 1_100, ["Amazonギフト10%増量"])


def test_today_or_a_later_day_plans_on_the_newest_market_aged_by_the_clock(cli, history_db):
    """A later day is a what-if on today's market: the newest values, their ages by the clock."""
    today = plan_on(cli, history_db, None, *MOPPY)
    assert plan_on(cli, history_db, NOW.date().isoformat(), *MOPPY) == today
    later = plan_on(cli, history_db, "2026-11-25", *MOPPY)
    age = int((NOW - DAY3).total_seconds())
    for plan in (today, later):
        [s] = plan["steps"]
        assert (s["yen"], s["campaigns"], s["seen_at"], s["age_seconds"]) == (
            1_100, ["Amazonギフト10%増量"], DAY3.isoformat(), age)


def test_a_day_before_anything_was_stored_says_there_is_no_data(cli, history_db):
    proc = cli("recommend", "--db", history_db, "--today", "2026-11-09", *HAPITAS,
               env={"POINTEXIT_NOW": NOW.isoformat()})
    assert proc.returncode == 0 and "交換先のデータがありません" in proc.stdout, proc.stdout + proc.stderr
    plan = plan_on(cli, history_db, "2026-11-09", *HAPITAS)
    assert plan["steps"] == [] and plan["warnings"][0].startswith("交換先のデータがありません"), plan["warnings"]
