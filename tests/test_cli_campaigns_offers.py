"""`pointexit campaigns` and `pointexit offers` on databases filled by real crawls."""

import json
import shutil

import pytest

from pointexit.recorded import RECORDED, RecordedServer
from tests.conftest import crawl_subprocess
from tests.shopping_pages import STATES

LISTINGS = ["hapitas_shopping", "moppy_shopping", "pointincome_shopping", "rakuten_rebates"]
NO_OFFER = "現在Amazonファッションの還元はありません"
IN_WINDOW = "2026-11-23T12:00"  # inside the recorded windows (they end 2026-11-30 23:59 JST)
# The crawl and the commands run as of the recorded day: the listings write
# 「11/30(月)23:59まで」 without a year, which is taken from when they were seen.
AS_RECORDED = {"POINTEXIT_NOW": "2026-11-23T09:00+09:00"}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The demo's recorded state, crawled once through the real engine (what run_crawl does)."""
    db = str(tmp_path_factory.mktemp("offers") / "pointexit.db")
    server = RecordedServer().start()
    try:
        reports = crawl_subprocess(["hapitas", *LISTINGS], db, mirror=server.root_url, env=AS_RECORDED)
    finally:
        server.stop()
    assert {r["verdict"] for r in reports.values()} == {"ok"}
    return db, server.root_url


def run_json(cli, *args, env=AS_RECORDED):
    proc = cli(*args, "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_offers_lists_the_two_active_fashion_offers(crawled, cli):
    db, root = crawled
    out = run_json(cli, "offers", "--db", db, "--at", IN_WINDOW)
    assert (out["fashion_active"], out["message"], out["ended"]) == (True, None, [])
    assert [(o["site"], o["rate_bp"], o["rate_percent"], o["scope"], o["fashion"], o["status"])
            for o in out["active"]] == [
        ("hapitas", 100, "1", "ファッション", True, "active"),
        ("rakuten_rebates", 100, "1", "ファッション", True, "active"),
    ]


def test_offer_window_is_in_jst(crawled, cli):
    db, _ = crawled
    hapitas = run_json(cli, "offers", "--db", db, "--at", IN_WINDOW)["active"][0]
    assert (hapitas["starts_at"], hapitas["ends_at"]) == (None, "2026-11-30T23:59:00+09:00")
    assert hapitas["window"] == "〜2026/11/30 23:59"


def test_offer_source_and_age(crawled, cli):
    db, root = crawled
    for offer in run_json(cli, "offers", "--db", db)["active"]:
        assert offer["source_url"].startswith(root)
        assert offer["age_seconds"] >= 0 and offer["stale"] is False
        assert offer["last_seen"].endswith("+09:00")


def test_offers_text(crawled, cli):
    db, _ = crawled
    proc = cli("offers", "--db", db, "--at", IN_WINDOW)
    assert proc.returncode == 0, proc.stderr
    assert "ハピタス" in proc.stdout and "楽天リーベイツ" in proc.stdout and "1%" in proc.stdout
    assert NO_OFFER not in proc.stdout


def test_after_its_window_an_offer_is_listed_as_ended(crawled, cli):
    db, _ = crawled
    out = run_json(cli, "offers", "--db", db, "--at", "2026-12-01T00:00")
    assert [o["site"] for o in out["active"]] == ["rakuten_rebates"]
    [ended] = out["ended"]
    assert (ended["site"], ended["ended_by"], ended["ended_at"]) == (
        "hapitas", "window", "2026-11-30T23:59:00+09:00")


def test_days_limits_how_far_back_ended_offers_go(crawled, cli):
    db, _ = crawled
    assert run_json(cli, "offers", "--db", db, "--at", "2027-01-15T00:00", "--days", "30")["ended"] == []
    later = run_json(cli, "offers", "--db", db, "--at", "2027-01-15T00:00", "--days", "60")
    assert [o["site"] for o in later["ended"]] == ["hapitas"]


def test_campaigns_lists_the_hapitas_amazon_bonus(crawled, cli):
    db, root = crawled
    out = run_json(cli, "campaigns", "--db", db, "--at", IN_WINDOW)
    [c] = out["active"]
    assert (c["site"], c["destination"], c["kind"], c["bonus_bp"], c["bonus_percent"]) == (
        "hapitas", "amazon_gift", "bonus", 200, "2")
    assert (c["starts_at"], c["ends_at"]) == ("2026-11-01T00:00:00+09:00", "2026-11-30T23:59:00+09:00")
    assert c["window"] == "2026/11/01 00:00〜2026/11/30 23:59"
    assert (c["capped"], c["first_come"], c["status"]) == (False, False, "active")
    assert c["source_url"] == f"{root}/hapitas/exchange/" and c["age_seconds"] >= 0


def test_campaigns_text(crawled, cli):
    db, _ = crawled
    proc = cli("campaigns", "--db", db, "--at", IN_WINDOW)
    assert proc.returncode == 0, proc.stderr
    assert "ハピタス" in proc.stdout and "+2%増量" in proc.stdout and "2026/11/30 23:59" in proc.stdout


def test_campaign_after_its_window_has_ended(crawled, cli):
    db, _ = crawled
    out = run_json(cli, "campaigns", "--db", db, "--at", "2026-12-05T09:00")
    assert out["active"] == []
    assert [(c["title"], c["ended_by"]) for c in out["ended"]] == [
        ("Amazonギフトカード交換 2%増量キャンペーン", "window")]
    proc = cli("campaigns", "--db", db, "--at", "2026-12-05T09:00")
    assert "実施中の交換キャンペーンはありません" in proc.stdout


def test_at_an_earlier_time_a_campaign_removed_since_is_still_on(tmp_path, cli):
    """Seen by the crawls of 11-02 and 11-05 inside its window (to 11-30), no
    longer by the one of 11-10: it is gone (掲載終了) as of now, but as of
    11-04 it was listed and on. It was shown ended on 11-05, after the very
    time it was judged at."""
    from datetime import datetime, timedelta

    from pointexit.clock import JST
    from storage.engine import open_engine
    from storage.records import CampaignSeen, RunOutcome
    from storage.store import Store

    db = str(tmp_path / "pointexit.db")
    store = Store(open_engine(db))
    for day, listed in ((2, True), (5, True), (10, False)):
        when = datetime(2026, 11, day, 9, 0, tzinfo=JST)
        campaign = CampaignSeen(
            site="hapitas", key="amazon-bonus", destination="amazon_gift", title="Amazonギフト2%増量",
            kind="bonus", bonus_bp=200, source_url="https://hapitas.jp/exchange/", seen_at=when,
            starts_at=datetime(2026, 11, 1, tzinfo=JST), ends_at=datetime(2026, 11, 30, 23, 59, tzinfo=JST))
        run = store.begin_run("hapitas", "hapitas", when)
        store.finish_run(run, RunOutcome("ok", None, 1, 1, 0, 0, 10_000), when + timedelta(minutes=1),
                         campaigns=[campaign] if listed else [])
    store.engine.dispose()
    now = run_json(cli, "campaigns", "--db", db)
    assert now["active"] == []
    assert [(c["ended_by"], c["ended_at"]) for c in now["ended"]] == [("gone", "2026-11-05T09:00:00+09:00")]
    then = run_json(cli, "campaigns", "--db", db, "--at", "2026-11-04T12:00")
    assert [(c["title"], c["status"]) for c in then["active"]] == [("Amazonギフト2%増量", "active")]
    assert then["ended"] == []


def test_a_campaign_cap_is_in_the_sites_own_unit(tmp_path, cli):
    """dot money's 「お一人様10,000マネーの交換まで」: its cap is 10,000マネー, not 10,000pt."""
    from datetime import datetime, timedelta

    from pointexit.clock import JST
    from storage.engine import open_engine
    from storage.records import CampaignSeen, RunOutcome
    from storage.store import Store

    db = str(tmp_path / "pointexit.db")
    store = Store(open_engine(db))
    when = datetime(2026, 11, 23, 9, 0, tzinfo=JST)
    campaign = CampaignSeen(
        site="dotmoney", key="amazon-2pct", destination="amazon_gift", title="Amazonギフトカード交換で2%増量",
        kind="bonus", bonus_bp=200, source_url="https://d-money.jp/exchange/", seen_at=when,
        starts_at=datetime(2026, 11, 16, 12, tzinfo=JST), ends_at=datetime(2026, 11, 30, 23, 59, tzinfo=JST),
        cap_points=10_000, first_come=True)
    run = store.begin_run("dotmoney", "dotmoney", when)
    store.finish_run(run, RunOutcome("ok", None, 1, 1, 0, 0, 10_000), when + timedelta(minutes=1),
                     campaigns=[campaign])
    store.engine.dispose()
    proc = cli("campaigns", "--db", db, "--at", IN_WINDOW, env=AS_RECORDED)
    assert proc.returncode == 0, proc.stderr
    assert "10,000マネー" in proc.stdout and "10,000pt" not in proc.stdout


def test_no_offer_is_said_plainly_and_a_gone_offer_is_ended(tmp_path, run_crawl, cli):
    db = str(tmp_path / "pointexit.db")
    overlay = tmp_path / "overlay"
    server = RecordedServer(roots=[overlay, RECORDED]).start()
    try:
        first = run_crawl(["rakuten_rebates", "moppy_shopping"], db, mirror=server.root_url)
        shutil.copytree(STATES / "rakuten_rebates", overlay / "rakuten_rebates")
        second = run_crawl(["rakuten_rebates", "moppy_shopping"], db, mirror=server.root_url)
    finally:
        server.stop()
    assert {r["verdict"] for r in [*first.values(), *second.values()]} == {"ok"}
    out = run_json(cli, "offers", "--db", db, env=None)  # crawled now, read now
    assert (out["fashion_active"], out["message"], out["active"]) == (False, NO_OFFER, [])
    [gone] = out["ended"]
    assert (gone["site"], gone["ended_by"], gone["status"]) == ("rakuten_rebates", "gone", "ended")
    proc = cli("offers", "--db", db)
    assert proc.returncode == 0 and NO_OFFER in proc.stdout and "掲載終了" in proc.stdout


@pytest.mark.parametrize("runs, active", [
    # Listed by the newest ok run, seen today (even minutes before now): on today.
    (((22, 9, True), (23, 9, True)), True),
    (((23, 17, True),), True),
    # Seen earlier today, no longer by a later ok run today: ended (掲載終了) when last
    # seen, as README says of gone campaigns and offers.
    (((23, 6, True), (23, 12, False)), False),
])
def test_an_offer_without_an_end_seen_today_is_on_today(tmp_path, cli, runs, active):
    """An offer with no stated end is judged by the crawls alone: `offers` lists
    it as active and `recommend` advises a fashion spend of today through it
    exactly when the spider's newest ok run still saw it."""
    from datetime import datetime, timedelta

    from pointexit.clock import JST
    from storage.engine import open_engine
    from storage.records import RoutingOfferSeen, RunOutcome
    from storage.store import Store

    db = str(tmp_path / "pointexit.db")
    store = Store(open_engine(db))
    for day, hour, listed in runs:
        when = datetime(2026, 11, day, hour, 0, tzinfo=JST)
        offer = RoutingOfferSeen(site="rakuten_rebates", key="amazon-fashion", store="Amazon",
                                 title="Amazonファッション", rate_bp=100, scope="ファッション",
                                 source_url="https://www.rebates.jp/amazon-fashion", seen_at=when)
        run = store.begin_run("rakuten_rebates", "rakuten_rebates", when)
        store.finish_run(run, RunOutcome("ok", None, 1, 1, 0, 0, 10_000), when + timedelta(minutes=1),
                         offers=[offer] if listed else [])
    store.engine.dispose()
    now = {"POINTEXIT_NOW": "2026-11-23T18:00+09:00"}
    out = run_json(cli, "offers", "--db", db, env=now)
    assert ([o["status"] for o in out["active"]], [o["ended_by"] for o in out["ended"]]) == (
        (["active"], []) if active else ([], ["gone"]))
    plan = run_json(cli, "recommend", "--db", db, "--balance", "moppy=1000",
                    "--spend", "2026-11-23:1000:fashion", env=now)
    assert [a["numbers"]["spends"] for a in plan["advice"] if a["kind"] == "routing_offer"] == (
        [["2026-11-23"]] if active else [])


@pytest.mark.parametrize("command", ["offers", "campaigns"])
@pytest.mark.parametrize("args, message", [
    (["--days", "-1"], "bad --days -1"),
    (["--at", "next tuesday"], "bad --at 'next tuesday'"),
    (["--days", "many"], "--days"),
    # Years the date arithmetic cannot hold were an internal error (exit 1).
    (["--at", "0001-01-01T00:00+09:00"], "bad --at '0001-01-01T00:00+09:00': out of range (1900–2999)"),
    (["--at", "9999-12-31T23:59-05:00"], "bad --at '9999-12-31T23:59-05:00': out of range (1900–2999)"),
    (["--at", "0001-01-01"], "out of range (1900–2999)"),  # was read in Tokyo's mean time, +09:18:59
])
def test_bad_options_are_one_line_exit_2(crawled, cli, command, args, message):
    db, _ = crawled
    proc = cli(command, "--db", db, *args)
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("command", ["offers", "campaigns"])
@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_at_is_a_usage_error_not_now(crawled, cli, command, value):
    """`--at "$WHEN"` with the variable unset listed what is on now, as if no
    --at were given: like an empty --db, it is a usage error."""
    proc = cli(command, "--db", crawled[0], "--at", value)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "--at: empty time" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert proc.stdout == ""


@pytest.mark.parametrize("command", ["offers", "campaigns"])
def test_a_missing_database_is_one_line_exit_2(tmp_path, cli, command):
    proc = cli(command, "--db", str(tmp_path / "nowhere.db"))
    assert proc.returncode == 2 and "no database" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "nowhere.db").exists()


@pytest.mark.parametrize("command", ["offers", "campaigns"])
def test_a_bad_pinned_clock_is_one_line_exit_2(crawled, cli, command):
    proc = cli(command, "--db", crawled[0], env={"POINTEXIT_NOW": "soon"})
    assert proc.returncode == 2 and "POINTEXIT_NOW='soon'" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_a_bad_pinned_clock_stops_a_crawl_before_it_starts(tmp_path, cli):
    db = tmp_path / "pointexit.db"
    proc = cli("crawl", "hapitas", "--mirror", "http://127.0.0.1:9", "--db", str(db),
               env={"POINTEXIT_NOW": "soon"})
    assert proc.returncode == 2 and "POINTEXIT_NOW='soon'" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not db.exists()
