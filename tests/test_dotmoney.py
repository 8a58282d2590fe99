"""dot money's own exits (cards) and its running campaign, parsed once."""

from datetime import datetime

import pytest

from pointexit.clock import JST
from tests.conftest import FROZEN_NOW

URL = "https://d-money.jp/exchange/"


@pytest.fixture(scope="module")
def page(parse_page):
    return parse_page("dotmoney", "/exchange/")


@pytest.fixture(scope="module")
def exits(page):
    return {(i["destination"], i["variant"]): i for i in page if "points_in" in i}


@pytest.fixture(scope="module")
def campaign(page):
    (only,) = [i for i in page if "bonus_bp" in i]
    return only


def test_every_card_is_an_exit(exits):
    assert sorted(exits) == [("amazon_gift", ""), ("bank", "ゆうちょ銀行"),
                             ("bank", "全国の金融機関"), ("waon", "")]


def test_amazon_one_percent_better_than_face(exits):
    a = exits[("amazon_gift", "")]
    assert (a["points_in"], a["value_out"]) == (297, 300)
    assert (a["minimum_points"], a["step_points"]) == (297, 297)


def test_amazon_lag(exits):
    a = exits[("amazon_gift", "")]
    assert (a["lag_text"], a["lag_min_days"], a["lag_max_days"]) == ("3~5営業日", 3, 5)


def test_bank_variants_from_bracketed_names(exits):
    assert exits[("bank", "ゆうちょ銀行")]["label"] == "銀行振込(ゆうちょ銀行)"
    assert exits[("bank", "全国の金融機関")]["label"] == "銀行振込(全国の金融機関)"


def test_bank_minimum_and_step(exits):
    for variant in ("ゆうちょ銀行", "全国の金融機関"):
        b = exits[("bank", variant)]
        assert (b["points_in"], b["value_out"], b["minimum_points"], b["step_points"]) == (1000, 1000, 1000, 1)


def test_japan_post_bank_slower(exits):
    assert (exits[("bank", "ゆうちょ銀行")]["lag_min_days"], exits[("bank", "ゆうちょ銀行")]["lag_max_days"]) == (0, 7)
    assert (exits[("bank", "全国の金融機関")]["lag_min_days"], exits[("bank", "全国の金融機関")]["lag_max_days"]) == (3, 5)


def test_waon(exits):
    w = exits[("waon", "")]
    assert (w["points_in"], w["value_out"], w["minimum_points"], w["step_points"]) == (300, 300, 300, 100)


def test_all_exits_free(exits):
    assert [i["fee_points"] for i in exits.values()] == [0] * 4


def test_campaign_identity(campaign):
    assert (campaign["key"], campaign["destination"]) == ("campaign/amazon_gift_202611", "amazon_gift")
    assert campaign["title"] == "Amazonギフトカード交換で2%増量キャンペーン"


def test_campaign_bonus(campaign):
    assert (campaign["bonus_bp"], campaign["kind"]) == (200, "bonus")


def test_campaign_window(campaign):
    assert campaign["starts_at"] == datetime(2026, 11, 16, 12, 0, tzinfo=JST)
    assert campaign["ends_at"] == datetime(2026, 11, 30, 23, 59, tzinfo=JST)
    assert campaign["starts_at"] <= FROZEN_NOW <= campaign["ends_at"]


def test_campaign_cap(campaign):
    assert campaign["cap_points"] == 10_000
    assert campaign["cap_text"] == "増量対象：お一人様10,000マネーの交換まで"


def test_campaign_first_come(campaign):
    assert campaign["first_come"] is True


def test_provenance(page):
    for i in page:
        assert i["source_url"] == URL
        assert i["seen_at"] == FROZEN_NOW


def test_all_valid(page):
    assert [i["problems"] for i in page] == [[]] * 5
