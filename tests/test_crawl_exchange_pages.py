"""Moppy, Gendama, PointIncome, ECnavi and Pointtown through the real Scrapy
engine against the recorded pages on a local server, into a temp SQLite."""

import json
import shutil

import pytest
from sqlmodel import Session, func, select

from pointexit.recorded import RECORDED, RecordedServer
from storage.engine import open_engine
from storage.models import CampaignRow, CrawlRun, ExitObservation, ExitRow
from tests.conftest import crawl_subprocess, run_cli

SPIDERS = ["moppy", "gendama", "pointincome", "ecnavi", "pointtown"]
# Moppy shows 11 exits; its Rakuten fee 「150P～」 is only the least, so that
# exit is flagged (unparsed:fee_text) and the other 10 are stored.
EXITS = {"moppy": 10, "gendama": 4, "pointincome": 11, "ecnavi": 2, "pointtown": 7}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exchange-crawl")
    db = str(tmp / "pointexit.db")
    server = RecordedServer().start()
    try:
        reports = crawl_subprocess(SPIDERS, db, mirror=server.root_url)
    finally:
        server.stop()
    return db, reports, server.root_url


def test_every_verdict_ok(crawled):
    _, reports, _ = crawled
    assert {s: r["verdict"] for s, r in reports.items()} == dict.fromkeys(SPIDERS, "ok")


def test_items_and_new_observations(crawled):
    _, reports, _ = crawled
    # Moppy's two pick-up campaigns are items too, beside its 11 exits (one flagged).
    expected = {s: (n, n, n) for s, n in EXITS.items()}
    assert {s: (r["items"], r["valid_items"], r["new_observations"]) for s, r in reports.items()} == {
        **expected, "moppy": (13, 12, 12)}


def test_stored_exit_counts(crawled):
    db, _, _ = crawled
    with Session(open_engine(db, create=False)) as s:
        counts = dict(s.exec(select(ExitRow.site, func.count()).group_by(ExitRow.site)).all())
        assert counts == EXITS
        assert s.exec(select(func.count()).select_from(ExitObservation)).one() == sum(EXITS.values())
        assert [c.key for c in s.exec(select(CampaignRow).order_by(CampaignRow.key))] == [
            "exchange/campaign/detail.php?campaign_id=2611",
            "exchange/campaign/detail.php?campaign_id=2614"]
        assert {r.verdict for r in s.exec(select(CrawlRun))} == {"ok"}


def test_stored_values_keep_their_local_source(crawled):
    db, _, root = crawled
    with Session(open_engine(db, create=False)) as s:
        urls = {o.source_url for o in s.exec(select(ExitObservation))}
    assert urls == {f"{root}/{site}/exchange/" for site in SPIDERS}


def test_amazon_ranking_by_return_rate(crawled):
    db, _, _ = crawled
    proc = run_cli("exits", "--destination", "amazon_gift", "--json", "--db", db)
    assert proc.returncode == 0, proc.stderr
    listed = json.loads(proc.stdout)
    assert {(r["variant"], r["max_points"]) for r in listed if r["site"] == "pointincome"} == {
        ("500円", 5_000), ("1,000円", 10_000), ("2,000円", 20_000), ("3,000円", 30_000)}
    rows = [(r["site"], r["variant"], r["return_rate"]) for r in listed]
    # By hand from the pages, yen received ÷ yen of points spent at the minimum:
    #   pointtown   1,960 Pt → ¥100; 1,960 Pt is ¥98 at 20 Pt = ¥1     → 100/98  = 1.020408
    #   gendama     3,000 pt → ¥300, free                              → 1
    #   moppy         500 P  → ¥500, free                              → 1
    #   pointincome each amount (5,000 pt → ¥500 …), free              → 1
    #   ecnavi      5,000 pt → ¥500 + 1,000 pt fee = ¥600 of points    → 500/600 = 0.833333
    # Ties go by site, then label (「1,000円分」 sorts before 「500円分」).
    assert rows == [
        ("pointtown", "", "1.020408"),
        ("gendama", "", "1.000000"),
        ("moppy", "", "1.000000"),
        ("pointincome", "1,000円", "1.000000"),
        ("pointincome", "2,000円", "1.000000"),
        ("pointincome", "3,000円", "1.000000"),
        ("pointincome", "500円", "1.000000"),
        ("ecnavi", "", "0.833333"),
    ]


def test_pointincome_amounts_reach_the_advisor_as_single_exchanges(crawled):
    """Page → engine → SQLite → advisor: each Amazon amount is exchanged whole,
    so 15,000pt on 「500円」 is three applications, never one exchange."""
    from pointexit.market import to_advisor_exit
    from storage.queries import current_exits

    db, _, _ = crawled
    rows = [e for e in current_exits(open_engine(db, create=False)) if e.site == "pointincome"]
    assert sorted((e.variant, e.max_points) for e in rows if e.destination == "amazon_gift") == [
        ("1,000円", 10_000), ("2,000円", 20_000), ("3,000円", 30_000), ("500円", 5_000)]
    assert {e.max_points for e in rows if e.destination != "amazon_gift"} == {None}
    [small] = [to_advisor_exit(e) for e in rows if e.variant == "500円"]
    assert (small.max_points, small.largest) == (5_000, 5_000)
    assert [p for p in (5_000, 10_000, 15_000) if small.valid_amount(p)] == [5_000]


def test_pointincome_counts_saturday_so_a_friday_exchange_lands_saturday(crawled, cli):
    """Its page says 「翌営業日(日曜・祝日を除く)」: applied on Friday 11-27, the
    gift is there on Saturday, so a Monday spend is still covered from Friday."""
    db, _, _ = crawled
    # Crawled on the clock's day: plan on its market as if 11-27 were today (a
    # past --today reads what was stored by the end of that day).
    proc = cli("recommend", "--db", db, "--today", "2026-11-27", "--balance", "pointincome=5000",
               "--spend", "2026-11-30:500", "--json", env={"POINTEXIT_NOW": "2026-11-27T09:00"})
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    [step] = plan["steps"]
    assert (step["site"], step["apply_on"], step["arrives_by"], step["yen"]) == (
        "pointincome", "2026-11-27", "2026-11-28", 500)
    assert plan["shortfall_yen"] == 0


def test_renamed_fee_column_degrades_and_keeps_stored_values(crawled, tmp_path):
    """A fee column that disappears must not read as "free"."""
    db = str(tmp_path / "copy.db")  # the shared crawl stays as it was for the other tests
    shutil.copyfile(crawled[0], db)
    page = (RECORDED / "pointtown/exchange/index.html").read_text(encoding="utf-8")
    changed = page.replace('<th class="p-exchange-table__fee">手数料</th>',
                           '<th class="p-exchange-table__fee">交換コスト</th>', 1)
    assert changed != page
    (tmp_path / "pointtown/exchange").mkdir(parents=True)
    (tmp_path / "pointtown/exchange/index.html").write_text(changed, encoding="utf-8")
    server = RecordedServer(roots=[tmp_path, RECORDED]).start()
    try:
        report = crawl_subprocess(["pointtown"], db, mirror=server.root_url)["pointtown"]
    finally:
        server.stop()
    assert (report["verdict"], report["new_observations"]) == ("degraded", 0)
    with Session(open_engine(db, create=False)) as s:
        bank = s.exec(select(ExitRow).where(ExitRow.site == "pointtown",
                                            ExitRow.variant == "その他の金融機関")).one()
        fees = [o.fee_points for o in s.exec(select(ExitObservation)
                                             .where(ExitObservation.exit_id == bank.id))]
    assert fees == [2_000]
