"""What must hold for every item of every spider, on every recorded page.

Spiders and pages are discovered (the Scrapy spider loader and each spider's
`start_paths`), so a spider added later is covered without touching this file.
Pages are parsed without the frozen clock: the spider's own seen time is what
is checked. Then one crawl of the five spiders of sites-b through the real
engine into SQLite.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from pointexit.catalog import SITES
from pointexit.clock import JST
from pointexit.crawling import spider_classes
from pointexit.recorded import RECORDED


def _recorded_file(site: str, path: str):
    """The file the recorded server would serve for this path (query → @)."""
    parts = urlsplit(path)
    rel = parts.path.lstrip("/")
    name = rel + "index.html" if rel.endswith("/") or not rel else rel
    if parts.query:
        name = f"{name}@{parts.query}"
    return RECORDED / site / name


def _pages():
    params = []
    for name, cls in sorted(spider_classes().items()):
        paths = getattr(cls, "start_paths", ())
        if not paths:
            params.append(pytest.param(name, None, id=name, marks=pytest.mark.skip(
                reason=f"{name} declares no start_paths, so it has no recorded page")))
        for path in paths:
            file = _recorded_file(cls.site, path)
            marks = () if file.is_file() else pytest.mark.skip(
                reason=f"{name}: no recorded page for {path} (expected {file.relative_to(RECORDED)})")
            params.append(pytest.param(name, path, id=f"{name}{path}", marks=marks))
    return params


PAGES = _pages()
_parsed: dict = {}


def items_of(spider_name: str, path: str) -> list[dict]:
    """Items of one recorded page, normalized and validated as in a crawl."""
    if (spider_name, path) not in _parsed:
        from spiders.pipelines import NormalizePipeline, problems_of
        from tests.conftest import response_for

        cls = spider_classes()[spider_name]
        spider = cls(base_url=SITES[cls.site].base_url)
        response = response_for(_recorded_file(cls.site, path), spider.url(path))
        normalize = NormalizePipeline()
        items = []
        for item in spider.parse(response):
            item = normalize.process_item(item)
            item["problems"] = problems_of(item)
            items.append(dict(item))
        _parsed[(spider_name, path)] = items
    return _parsed[(spider_name, path)]


def exits_of(spider_name, path):
    return [i for i in items_of(spider_name, path) if "points_in" in i]


def campaigns_of(spider_name, path):
    return [i for i in items_of(spider_name, path) if "bonus_bp" in i]


def _positive_int(value) -> bool:
    return type(value) is int and value > 0


def _is_jst(moment) -> bool:
    return (moment.tzinfo is not None and moment.utcoffset() == timedelta(hours=9)
            and moment.tzinfo == JST)


# Items a recorded page shows as the real site words them, which must be
# flagged: Moppy's Rakuten fee 「150P～」 is only the least fee.
FLAGGED = {("moppy", "/exchange/"): [("楽天ポイント", ["unparsed:fee_text"])]}


@pytest.mark.parametrize("spider_name, path", PAGES)
def test_no_problems(spider_name, path):
    assert [(i.get("label") or i.get("title"), i["problems"])
            for i in items_of(spider_name, path) if i["problems"]] == FLAGGED.get((spider_name, path), [])


@pytest.mark.parametrize("spider_name, path", PAGES)
def test_ratios_are_positive_integers(spider_name, path):
    for i in exits_of(spider_name, path):
        assert _positive_int(i["points_in"]) and _positive_int(i["value_out"]), i["label"]


@pytest.mark.parametrize("spider_name, path", PAGES)
def test_minimum_and_step_positive_and_minimum_not_below_step(spider_name, path):
    for i in exits_of(spider_name, path):
        mn, st = i["minimum_points"], i["step_points"]
        assert mn is None or _positive_int(mn), i["label"]
        assert st is None or _positive_int(st), i["label"]
        if mn is not None and st is not None:
            assert mn >= st, i["label"]


@pytest.mark.parametrize("spider_name, path", PAGES)
def test_a_largest_exchange_allows_at_least_the_smallest(spider_name, path):
    for i in exits_of(spider_name, path):
        mx = i["max_points"]
        smallest = i["minimum_points"] or i["step_points"] or i["points_in"]
        assert mx is None or (_positive_int(mx) and mx >= smallest), i["label"]


@pytest.mark.parametrize("spider_name, path", PAGES)
def test_fee_is_whole_points(spider_name, path):
    for i in exits_of(spider_name, path):
        if "unparsed:fee_text" in i["problems"]:
            assert i["fee_points"] is None, i["label"]  # flagged, not stored
            continue
        assert type(i["fee_points"]) is int and i["fee_points"] >= 0, i["label"]


@pytest.mark.parametrize("spider_name, path", PAGES)
def test_lag_range_ordered(spider_name, path):
    for i in exits_of(spider_name, path):
        lo, hi = i["lag_min_days"], i["lag_max_days"]
        assert (lo is None) == (hi is None), i["label"]
        if lo is not None:
            assert 0 <= lo <= hi, i["label"]
            assert i["lag_text"], i["label"]  # the site's wording is kept with the numbers


@pytest.mark.parametrize("spider_name, path", PAGES)
def test_campaign_bonus_and_window(spider_name, path):
    for c in campaigns_of(spider_name, path):
        assert _positive_int(c["bonus_bp"]), c["title"]
        for moment in (c["starts_at"], c["ends_at"]):
            assert moment is None or _is_jst(moment), c["title"]
        if c["starts_at"] and c["ends_at"]:
            assert c["starts_at"] < c["ends_at"], c["title"]


@pytest.mark.parametrize("spider_name, path", PAGES)
def test_source_url_is_the_page(spider_name, path):
    cls = spider_classes()[spider_name]
    for i in items_of(spider_name, path):
        assert i["source_url"] == SITES[cls.site].base_url + path


@pytest.mark.parametrize("spider_name, path", PAGES)
def test_seen_at_is_aware_jst(spider_name, path):
    for i in items_of(spider_name, path):
        assert _is_jst(i["seen_at"])


@pytest.mark.parametrize("spider_name, path", PAGES)
def test_items_belong_to_the_spiders_site(spider_name, path):
    site = spider_classes()[spider_name].site
    assert {i["site"] for i in items_of(spider_name, path)} <= {site}


@pytest.mark.parametrize("spider_name, path", [
    p for p in PAGES if spider_classes()[p.values[0]].point_value_css])
def test_stated_point_value_matches_the_catalog(spider_name, path):
    """Where a spider reads the page's 「10pt＝1円」, the recorded page agrees
    with the catalog (every yen comparison of the site rests on it)."""
    from spiders.base import text_of
    from spiders.parsing import parse_point_value
    from tests.conftest import response_for

    cls = spider_classes()[spider_name]
    page = response_for(_recorded_file(cls.site, path), SITES[cls.site].base_url + path)
    assert parse_point_value(text_of(page.css(cls.point_value_css))) == SITES[cls.site].yen_per_point


# --- the five spiders of sites-b through the real engine into SQLite ---

SITES_B = ["chobirich", "dotmoney", "lifemedia", "pex", "warau"]


def test_crawl_stores_every_exit_and_campaign(db_path, recorded_server, run_crawl):
    from sqlmodel import Session, func, select

    from storage.engine import open_engine
    from storage.models import CampaignObservation, CampaignRow, CrawlRun, ExitObservation, ExitRow

    reports = run_crawl(SITES_B, db_path, mirror=recorded_server.root_url)

    assert {s: (r["verdict"], r["items"], r["valid_items"]) for s, r in reports.items()} == {
        "chobirich": ("ok", 6, 6), "dotmoney": ("ok", 5, 5), "lifemedia": ("ok", 5, 5),
        "pex": ("ok", 4, 4), "warau": ("ok", 5, 5)}
    engine = open_engine(db_path, create=False)
    with Session(engine) as s:
        exits = dict(s.exec(select(ExitRow.site, func.count()).group_by(ExitRow.site)).all())
        assert exits == {"chobirich": 5, "dotmoney": 4, "lifemedia": 5, "pex": 4, "warau": 5}
        assert len(s.exec(select(ExitObservation)).all()) == 23
        campaigns = s.exec(select(CampaignRow.site, CampaignRow.destination, CampaignObservation.bonus_bp,
                                  CampaignObservation.cap_points, CampaignObservation.first_come,
                                  CampaignObservation.starts_at, CampaignObservation.ends_at)
                           .join(CampaignObservation).order_by(CampaignRow.site)).all()
        assert [tuple(c[:5]) for c in campaigns] == [("chobirich", "dotmoney", 1000, 40_000, False),
                                                      ("dotmoney", "amazon_gift", 200, 10_000, True)]
        assert [(c[5].isoformat(), c[6].isoformat()) for c in campaigns] == [
            ("2026-11-01T00:00:00+09:00", "2026-11-30T23:59:00+09:00"),
            ("2026-11-16T12:00:00+09:00", "2026-11-30T23:59:00+09:00")]
        bank_fees = s.exec(select(ExitRow.site, ExitRow.variant, ExitObservation.fee_points)
                           .join(ExitObservation).where(ExitRow.destination == "bank")
                           .order_by(ExitRow.site, ExitRow.variant)).all()
        assert [tuple(b) for b in bank_fees] == [
            ("chobirich", "その他の金融機関", 300), ("chobirich", "手数料無料の金融機関", 0),
            ("dotmoney", "ゆうちょ銀行", 0), ("dotmoney", "全国の金融機関", 0),
            ("lifemedia", "", 0), ("pex", "", 500),
            ("warau", "その他の金融機関", 100), ("warau", "楽天銀行・PayPay銀行・住信SBIネット銀行", 0)]
        runs = s.exec(select(CrawlRun.spider, CrawlRun.verdict)).all()
        assert sorted(tuple(r) for r in runs) == [(name, "ok") for name in SITES_B]
