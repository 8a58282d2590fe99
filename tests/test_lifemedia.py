"""Lifemedia exchange page (one definition list per exit), parsed once."""

import pytest

from tests.conftest import FROZEN_NOW

URL = "https://lifemedia.jp/exchange/"


@pytest.fixture(scope="module")
def items(parse_page):
    return {i["destination"]: i for i in parse_page("lifemedia", "/exchange/")}


def test_every_definition_list_is_an_item(parse_page):
    assert len(parse_page("lifemedia", "/exchange/")) == 5


def test_destinations(items):
    assert set(items) == {"amazon_gift", "bank", "dotmoney", "pex", "d_point"}


def test_rate_read_from_minimum_row(items):
    assert {d: (i["points_in"], i["value_out"]) for d, i in items.items()} == {
        "amazon_gift": (500, 500), "bank": (1000, 1000), "dotmoney": (500, 500),
        "pex": (500, 5000), "d_point": (500, 500)}


def test_amazon_minimum_and_step(items):
    a = items["amazon_gift"]
    assert (a["minimum_points"], a["step_points"]) == (500, 500)


def test_amazon_gift_code_daily_cap(items):
    a = items["amazon_gift"]
    assert a["daily_cap_points"] == 2000
    assert a["cap_text"] == "※ギフトコードへの交換は、1日あたり2,000Pまでとなります。"


def test_only_gift_codes_are_capped(items):
    assert [d for d, i in items.items() if i["daily_cap_points"]] == ["amazon_gift"]


def test_amazon_instant(items):
    a = items["amazon_gift"]
    assert (a["lag_text"], a["lag_min_days"], a["lag_max_days"]) == ("即時", 0, 0)


def test_rakuten_bank(items):
    b = items["bank"]
    assert b["label"] == "楽天銀行"
    assert (b["minimum_points"], b["step_points"]) == (1000, 500)


def test_rakuten_bank_free_once_a_month(items):
    assert (items["bank"]["fee_text"], items["bank"]["fee_points"]) == ("月1回まで無料", 0)


def test_rakuten_bank_lag_wording_kept_and_parsed(items):
    b = items["bank"]
    assert b["lag_text"] == "4~10営業日後(土日祝祭日、休業日を除く)"
    assert (b["lag_min_days"], b["lag_max_days"]) == (4, 10)


def test_other_lags(items):
    assert {d: (i["lag_min_days"], i["lag_max_days"]) for d, i in items.items()
            if d in ("dotmoney", "pex", "d_point")} == {
        "dotmoney": (0, 3), "pex": (0, 3), "d_point": (0, 5)}


def test_all_free(items):
    assert [i["fee_points"] for i in items.values()] == [0] * 5


def test_no_campaigns(parse_page):
    assert [i for i in parse_page("lifemedia", "/exchange/") if "bonus_bp" in i] == []


def test_provenance(items):
    for i in items.values():
        assert i["source_url"] == URL
        assert i["seen_at"] == FROZEN_NOW


def test_all_valid(items):
    assert [i["problems"] for i in items.values()] == [[]] * 5
