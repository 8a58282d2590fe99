"""Warau exchange cards, parsed once; and the ⚠ point-value check."""

from fractions import Fraction

import pytest

from pointexit.catalog import SITES
from pointexit.recorded import RECORDED
from tests.conftest import FROZEN_NOW

URL = "https://www.warau.jp/point/exchange/"
PAGE = RECORDED / "warau/point/exchange/index.html"


@pytest.fixture(scope="module")
def items(parse_page):
    return {(i["destination"], i["variant"]): i for i in parse_page("warau", "/point/exchange/")}


def test_every_card_is_an_item(parse_page):
    assert len(parse_page("warau", "/point/exchange/")) == 5


def test_destinations_and_bank_variants(items):
    assert sorted(items) == [("amazon_gift", ""), ("bank", "その他の金融機関"),
                             ("bank", "楽天銀行・PayPay銀行・住信SBIネット銀行"),
                             ("dotmoney", ""), ("pex", "")]


def test_dotmoney_at_face_value(items):
    d = items[("dotmoney", "")]
    assert (d["points_in"], d["value_out"], d["minimum_points"], d["step_points"]) == (300, 300, 300, 100)


def test_amazon(items):
    a = items[("amazon_gift", "")]
    assert (a["points_in"], a["value_out"], a["minimum_points"], a["step_points"]) == (500, 500, 500, 500)


def test_card_labels_stripped_from_values(items):
    a = items[("amazon_gift", "")]
    assert (a["minimum_text"], a["step_text"], a["fee_text"], a["lag_text"]) == (
        "500pt~", "500pt", "無料", "3営業日以内")


def test_net_banks_free(items):
    b = items[("bank", "楽天銀行・PayPay銀行・住信SBIネット銀行")]
    assert (b["points_in"], b["value_out"], b["minimum_points"], b["step_points"]) == (1000, 1000, 1000, 500)
    assert b["fee_points"] == 0


def test_other_banks_fee_in_yen_becomes_points(items):
    b = items[("bank", "その他の金融機関")]
    assert (b["fee_text"], b["fee_points"]) == ("100円", 100)


def test_bank_lag(items):
    b = items[("bank", "その他の金融機関")]
    assert (b["lag_text"], b["lag_min_days"], b["lag_max_days"]) == ("10営業日程度", 10, 10)


def test_pex(items):
    p = items[("pex", "")]
    assert (p["points_in"], p["value_out"], p["lag_min_days"], p["lag_max_days"]) == (300, 3000, 0, 3)


def test_mostly_free(items):
    assert sorted(i["fee_points"] for i in items.values()) == [0, 0, 0, 0, 100]


def test_provenance(items):
    for i in items.values():
        assert i["source_url"] == URL
        assert i["seen_at"] == FROZEN_NOW


def test_all_valid(items):
    assert [i["problems"] for i in items.values()] == [[]] * 5


# --- ⚠ point value: the page's own statement against the catalog ---


def _crawl_stats(html: str) -> dict:
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from spiders.sites.warau import WarauSpider

    crawler = get_crawler(WarauSpider)
    spider = WarauSpider.from_crawler(crawler, base_url="https://www.warau.jp")
    response = HtmlResponse(url=URL, body=html.encode("utf-8"), request=Request(URL))
    items = list(spider.parse(response))
    assert len(items) == 5  # the check flags; it never drops exits
    return crawler.stats.get_stats()


def test_catalog_value_matches_the_recorded_page():
    assert SITES["warau"].yen_per_point == Fraction(1)
    stats = _crawl_stats(PAGE.read_text(encoding="utf-8"))
    assert "pointexit/point_value_mismatch" not in stats
    assert "pointexit/point_value_unstated" not in stats


def test_old_point_value_is_flagged():
    page = PAGE.read_text(encoding="utf-8")
    old = page.replace("1pt＝1円相当", "10pt＝1円相当", 1)
    assert old != page
    stats = _crawl_stats(old)
    assert stats["pointexit/point_value_mismatch"] == "page 1/10 yen, catalog 1 yen"


def test_a_users_point_value_that_the_page_contradicts_is_flagged(monkeypatch):
    """[point_values] warau = "0.1" (the 2017 value) against today's page."""
    from dataclasses import replace

    monkeypatch.setitem(SITES, "warau", replace(SITES["warau"], yen_per_point=Fraction(1, 10)))
    stats = _crawl_stats(PAGE.read_text(encoding="utf-8"))
    assert stats["pointexit/point_value_mismatch"] == "page 1 yen, catalog 1/10 yen"


def test_missing_statement_is_flagged():
    page = PAGE.read_text(encoding="utf-8")
    silent = page.replace('<p class="l-header__rate">1pt＝1円相当</p>', "", 1)
    assert silent != page
    assert _crawl_stats(silent)["pointexit/point_value_unstated"] == 1
