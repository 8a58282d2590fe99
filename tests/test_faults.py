"""Faults on a real local HTTP server, crawled through the real Scrapy engine.

Each case starts from a database seeded by one good crawl, crawls again with
one fault on Hapitas's exchange page while another spider crawls its healthy
pages in the same process, and checks three things: Hapitas's verdict, that
the other spider is unaffected, and that no stored value was lost or
overwritten.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from pointexit.recorded import RECORDED, RecordedServer, empty_page, hang
from tests.conftest import FILES, change_recorded_page, crawl_subprocess

PAGE = "/hapitas/exchange/"
HAPITAS_ITEMS = 9  # its recorded page: 8 exits and the Amazon campaign
# observation table → (identity table, its key column)
OBSERVATIONS = {"exit_observation": ("exit", "exit_id"),
                "campaign_observation": ("campaign", "campaign_id"),
                "routing_offer_observation": ("routing_offer", "offer_id")}
# What an ok run may refresh on an unchanged value: when and where it was seen.
PROVENANCE = ("last_seen", "source_url")
RECORDED_PAGE = (RECORDED / "hapitas/exchange/index.html").read_text(encoding="utf-8")


def other_spider() -> str | None:
    """A spider of another site crawled alongside: the one with the fewest
    pages (the seed crawl checks that it crawls ok)."""
    from pointexit.crawling import spider_classes

    others = [(len(c.start_paths), n) for n, c in spider_classes().items() if c.site != "hapitas"]
    return min(others)[1] if others else None


def spiders() -> list[str]:
    return ["hapitas"] + ([other_spider()] if other_spider() else [])


def stored(db: str, site: str | None = None, provenance: bool = True) -> dict[str, list[dict]]:
    """Every identity and observation row (of one site), optionally without provenance."""
    out = {}
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        for obs, (ident, key) in OBSERVATIONS.items():
            where = "WHERE i.site = ?" if site else ""
            args = (site,) if site else ()
            out[ident] = [dict(r) for r in conn.execute(
                f"SELECT * FROM {ident} i {where} ORDER BY i.id", args)]
            out[obs] = [{k: r[k] for k in r.keys() if provenance or k not in PROVENANCE}
                        for r in conn.execute(
                            f"SELECT o.* FROM {obs} o JOIN {ident} i ON i.id = o.{key} "
                            f"{where} ORDER BY o.id", args)]
    return out


def copy_db(src: str, dst: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        if Path(src + suffix).exists():
            shutil.copy(src + suffix, str(dst) + suffix)
    return str(dst)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A database after one good crawl of every spider in the run."""
    db = str(tmp_path_factory.mktemp("seed") / "seed.db")
    server = RecordedServer().start()
    try:
        reports = crawl_subprocess(spiders(), db, mirror=server.root_url)
    finally:
        server.stop()
    assert {n: r["verdict"] for n, r in reports.items()} == {n: "ok" for n in spiders()}
    assert stored(db, "hapitas")["exit_observation"], "the seed crawl stored nothing"
    return db, reports


def overlay_page(tmp_path: Path, html: str) -> Path:
    root = tmp_path / "overlay"
    (root / "hapitas/exchange").mkdir(parents=True)
    (root / "hapitas/exchange/index.html").write_text(html, encoding="utf-8")
    return root


def overlay_robots(tmp_path: Path) -> Path:
    root = tmp_path / "overlay"
    root.mkdir()
    robots = (RECORDED / "robots.txt").read_text() + "Disallow: /hapitas/exchange/\n"
    (root / "robots.txt").write_text(robots)
    return root


def one_row_in_maintenance(tmp_path):
    html = RECORDED_PAGE.replace('<td class="col-rate">130pt → 100ポイント</td>',
                                 '<td class="col-rate">メンテナンス中</td>')
    assert html != RECORDED_PAGE
    return overlay_page(tmp_path, html)


def rate_column_renamed(tmp_path):
    html = RECORDED_PAGE.replace('<td class="col-rate">', '<td class="col-exchange-rate">')
    assert html.count("col-exchange-rate") == 8
    return overlay_page(tmp_path, html)


def redesigned(tmp_path):
    return FILES / "redesigned"


# id, faults on PAGE, overlay root maker, settings, verdict, reason code, requests for PAGE
BAD = [
    ("404", 404, None, {}, "failed", "no_page", 1),
    ("timeout", hang(10), None, {"DOWNLOAD_TIMEOUT": 0.5}, "failed", "timeout", 3),
    ("429", 429, None, {}, "failed", "http_429", 1),
    ("robots_disallow", None, overlay_robots, {}, "failed", "robots_disallowed", 0),
    ("redesigned", None, redesigned, {}, "failed", "layout_changed", 1),
    ("rate_column_renamed", None, rate_column_renamed, {}, "failed", "no_valid_items", 1),
    ("one_row_in_maintenance", None, one_row_in_maintenance, {}, "degraded", "missing_fields", 1),
    ("empty", empty_page, None, {}, "failed", "empty_page", 1),
]


def crawl_with_fault(seeded, tmp_path, fault, overlay, settings):
    seed_db, _ = seeded
    db = copy_db(seed_db, tmp_path / "faulty.db")
    roots = ([overlay(tmp_path)] if overlay else []) + [RECORDED]
    server = RecordedServer(roots=roots, faults={PAGE: fault} if fault else {}).start()
    try:
        reports = crawl_subprocess(spiders(), db, mirror=server.root_url, settings=settings)
    finally:
        server.stop()
    return db, reports, server


@pytest.mark.parametrize("fault, overlay, settings, verdict, code, page_requests",
                         [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_a_fault_gives_its_verdict_and_keeps_stored_values(
        seeded, tmp_path, fault, overlay, settings, verdict, code, page_requests):
    seed_db, seed_reports = seeded
    db, reports, server = crawl_with_fault(seeded, tmp_path, fault, overlay, settings)

    hapitas = reports["hapitas"]
    assert (hapitas["verdict"], hapitas["reason"].split(":")[0]) == (verdict, code)
    assert hapitas["new_observations"] == 0
    assert len(server.requests_for(PAGE)) == page_requests

    # No stored value lost, closed or overwritten; Hapitas's not even touched.
    assert stored(db, "hapitas") == stored(seed_db, "hapitas")
    assert stored(db, provenance=False) == stored(seed_db, provenance=False)
    [(run_verdict, run_reason)] = _runs(db, "hapitas")[1:]
    assert (run_verdict, run_reason) == (verdict, hapitas["reason"])

    for name in spiders()[1:]:
        other = reports[name]
        assert other["verdict"] == "ok", other
        assert other["items"] == seed_reports[name]["items"]


def test_exits_stay_current_and_show_stale_after_a_failed_run(seeded, tmp_path, cli):
    db, reports, _ = crawl_with_fault(seeded, tmp_path, 404, None, {})
    assert reports["hapitas"]["verdict"] == "failed"

    proc = cli("exits", "--json", "--db", db)
    assert proc.returncode == 0, proc.stderr
    hapitas = {e["destination"]: e for e in json.loads(proc.stdout) if e["site"] == "hapitas"}
    assert len(hapitas) == 8
    assert (hapitas["amazon_gift"]["points_in"], hapitas["amazon_gift"]["value_out"]) == (490, 500)
    assert all(e["stale"] for e in hapitas.values())
    assert all(e["age_seconds"] >= 0 for e in hapitas.values())
    others = [e for e in json.loads(proc.stdout) if e["site"] != "hapitas"]
    assert not any(e["stale"] for e in others)  # an ok run confirmed them
    table = cli("exits", "--db", db, "--destination", "amazon_gift").stdout
    assert "(古い)" in table


def test_500_then_success_is_retried_and_ok(seeded, tmp_path):
    seed_db, _ = seeded
    db, reports, server = crawl_with_fault(seeded, tmp_path, [500, None], None, {})
    hapitas = reports["hapitas"]
    assert (hapitas["verdict"], hapitas["reason"], hapitas["items"]) == ("ok", None, HAPITAS_ITEMS)
    assert len(server.requests_for(PAGE)) == 2
    # Same values: no new observation; the ok run only confirmed them.
    assert hapitas["new_observations"] == 0
    assert stored(db, provenance=False) == stored(seed_db, provenance=False)
    assert stored(db, "hapitas") != stored(seed_db, "hapitas")  # last_seen moved


def _runs(db: str, spider: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT verdict, reason FROM crawl_run WHERE spider = ? ORDER BY id",
                            (spider,)).fetchall()


def test_429_aborts_the_rest_of_that_sites_run_only(seeded, tmp_path):
    """A site of several pages answers 429: one request, then its run stops;
    Hapitas, crawled in the same process, is not affected."""
    from pointexit.crawling import spider_classes

    pages = [f"/chobirich{p}" for p in spider_classes()["chobirich"].start_paths]
    assert len(pages) > 1
    seed_db, _ = seeded
    db = copy_db(seed_db, tmp_path / "faulty.db")
    server = RecordedServer(faults={p: 429 for p in pages}).start()
    try:
        reports = crawl_subprocess(["hapitas", "chobirich"], db, mirror=server.root_url)
    finally:
        server.stop()
    assert (reports["chobirich"]["verdict"], reports["chobirich"]["reason"].split(":")[0]) == (
        "failed", "http_429")
    assert sum(len(server.requests_for(p)) for p in pages) == 1
    assert (reports["hapitas"]["verdict"], reports["hapitas"]["items"]) == ("ok", HAPITAS_ITEMS)
    assert stored(db, provenance=False) == stored(seed_db, provenance=False)


def crawl_before_and_after(tmp_path, spider: str, page: str, old: str, new: str):
    """Crawl the recorded pages, change one page's text as a site might, crawl
    again: (db, first report, what the first stored, second report)."""
    db = str(tmp_path / f"{spider}.db")
    overlay = tmp_path / "overlay"
    server = RecordedServer(roots=[overlay, RECORDED]).start()
    try:
        seed = crawl_subprocess([spider], db, mirror=server.root_url)[spider]
        before = stored(db, provenance=False)
        change_recorded_page(overlay, page, old, new)
        report = crawl_subprocess([spider], db, mirror=server.root_url)[spider]
    finally:
        server.stop()
    return db, seed, before, report


def test_one_page_of_several_losing_its_exits_degrades_and_keeps_its_values(tmp_path):
    """Chobirich shows one exit per page: its PeX page redesigned (the 交換詳細
    table gone) still leaves 5 items, the site's minimum. The run must say the
    layout changed, not pass as ok with one exit silently unconfirmed."""
    db, seed, before, report = crawl_before_and_after(
        tmp_path, "chobirich", "chobirich/exchange/point/pex/info/index.html",
        "交換詳細</h2>", "交換の詳細</h2>")
    assert (seed["verdict"], seed["items"]) == ("ok", 6)
    assert (report["verdict"], report["items"], report["valid_items"]) == ("degraded", 5, 5)
    assert report["reason"] == ("layout_changed: ページの一部の構成が見つかりません "
                                "(/chobirich/exchange/point/pex/info/) (ページの構成が変わった可能性があります)")
    assert report["new_observations"] == 0
    assert stored(db, provenance=False) == before


def test_a_campaign_that_cannot_be_read_degrades_and_is_not_taken_for_ended(tmp_path):
    """Moppy lists 13 items (12 valid: its Rakuten fee 「150P～」 is flagged):
    one campaign whose period can no longer be read left 11 of 13 valid, an ok
    run, which made the still-listed campaign read as ended (掲載終了) and
    dropped it from every plan."""
    from storage.engine import open_engine
    from storage.queries import campaign_sightings

    db, seed, before, report = crawl_before_and_after(
        tmp_path, "moppy", "moppy/exchange/index.html",
        "期間：2026/11/16(月)10:00～2026/11/29(日)23:59", "期間：11月後半の2週間")
    assert (seed["verdict"], seed["items"]) == ("ok", 13)
    assert (report["verdict"], report["items"], report["valid_items"]) == ("degraded", 13, 11)
    assert report["reason"] == ("invalid_listing: キャンペーン・還元情報1件を読めませんでした "
                                "(unparsed:fee_text ×1, unparsed:window_text ×1); "
                                "掲載終了と誤認しないよう、この巡回の値は保存していません")
    assert stored(db, provenance=False) == before
    engine = open_engine(db, create=False)
    assert [s.confirmed for _, s in campaign_sightings(engine)] == [True, True]
    engine.dispose()


def test_a_pipeline_that_raised_on_an_item_degrades_and_keeps_stored_values(tmp_path):
    """Scrapy logs a pipeline's exception and drops the item: the run was ok
    without Hapitas's Amazon campaign, which then read as ended (掲載終了)."""
    from tests.pipeline_faults import with_failing_pipeline

    db = str(tmp_path / "p.db")
    server = RecordedServer().start()
    try:
        seed = crawl_subprocess(["hapitas"], db, mirror=server.root_url)["hapitas"]
        before = stored(db, provenance=False)
        report = crawl_subprocess(["hapitas"], db, mirror=server.root_url,
                                  settings={"ITEM_PIPELINES": with_failing_pipeline()})["hapitas"]
    finally:
        server.stop()
    assert (seed["verdict"], seed["items"]) == ("ok", HAPITAS_ITEMS)
    assert (report["verdict"], report["items"], report["valid_items"]) == ("degraded", 8, 8)
    assert report["reason"] == (
        "pipeline_error: 項目の処理中にエラーが1件発生しました (KeyError) "
        "(その項目が消えたと誤認しないよう、この巡回の値は保存していません)")
    assert report["new_observations"] == 0
    assert stored(db, provenance=False) == before
    with sqlite3.connect(db) as conn:
        [(stats_json,)] = conn.execute(
            "SELECT stats_json FROM crawl_run ORDER BY id DESC LIMIT 1").fetchall()
    stats = json.loads(stats_json)
    assert (stats["pointexit/pipeline_errors"], stats["pointexit/pipeline_errors/KeyError"]) == (1, 1)


def test_429_on_robots_txt_sends_no_page(tmp_path):
    """The first thing a crawl asks for is robots.txt: a 429 there must stop
    the site's run before its pages are asked for, as a 429 anywhere does."""
    server = RecordedServer(faults={"/robots.txt": 429}).start()
    try:
        report = crawl_subprocess(["hapitas"], str(tmp_path / "r.db"),
                                  mirror=server.root_url)["hapitas"]
    finally:
        server.stop()
    assert [r.path for r in server.requests] == ["/robots.txt"]
    assert (report["verdict"], report["items"], report["new_observations"]) == ("failed", 0, 0)
    assert report["reason"].split(":")[0] == "http_429"


def test_two_campaigns_of_one_title_on_two_exits_keep_a_history_each(tmp_path):
    """Chobirich's campaign boxes without a link of their own, one title on the
    dot money and the PeX page: keyed by the title alone, the two took turns in
    one stored campaign, each crawl appending to its history and the advisor
    reading the PeX terms as dot money's."""
    title = "交換増量キャンペーン"
    overlay = tmp_path / "overlay"
    change_recorded_page(
        overlay, "chobirich/exchange/dotmoney/money/info/index.html",
        '<a href="/exchange/dotmoney/campaign/202611/">ドットマネー交換 10%増量キャンペーン</a>', title)
    change_recorded_page(
        overlay, "chobirich/exchange/point/pex/info/index.html", '<ul class="exchange_anchor">',
        f'<div class="exchange_campaign"><h2 class="exchange_campaign__ttl">{title}</h2>'
        '<p class="exchange_campaign__bonus">交換したポイントを<strong>5%</strong>増量</p>'
        '<dl><dt>期間</dt><dd>2026年11月1日(日)0:00～11月30日(月)23:59</dd></dl></div>'
        '<ul class="exchange_anchor">')
    db = str(tmp_path / "chobirich.db")
    server = RecordedServer(roots=[overlay, RECORDED]).start()
    try:
        first, second = (crawl_subprocess(["chobirich"], db, mirror=server.root_url)["chobirich"]
                         for _ in range(2))
    finally:
        server.stop()
    assert (first["verdict"], first["items"], second["verdict"]) == ("ok", 7, "ok")
    assert second["new_observations"] == 0
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT c.key, c.destination, o.bonus_bp FROM campaign c "
            "JOIN campaign_observation o ON o.campaign_id = c.id ORDER BY c.destination").fetchall()
    assert rows == [(f"dotmoney:{title}", "dotmoney", 1000), (f"pex:{title}", "pex", 500)]
