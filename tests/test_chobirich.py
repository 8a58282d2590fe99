"""Chobirich 「交換詳細」 tables, one recorded page per exit, each parsed once."""

from datetime import datetime

import pytest

from pointexit.clock import JST
from tests.conftest import FROZEN_NOW

BASE = "https://www.chobirich.com"
AMAZON = "/exchange/emoney/amazon/info/"
BANK = "/exchange/bank/furikomi/info/"
DOTMONEY = "/exchange/dotmoney/money/info/"
PEX = "/exchange/point/pex/info/"


@pytest.fixture(scope="module")
def pages(parse_page):
    return {path: parse_page("chobirich", path) for path in (AMAZON, BANK, DOTMONEY, PEX)}


@pytest.fixture(scope="module")
def exits(pages):
    return {(i["destination"], i["variant"]): i
            for items in pages.values() for i in items if "points_in" in i}


@pytest.fixture(scope="module")
def campaigns(pages):
    return [i for items in pages.values() for i in items if "bonus_bp" in i]


def test_every_detail_table_is_an_exit(exits):
    assert sorted(exits) == [("amazon_gift", ""), ("bank", "その他の金融機関"),
                             ("bank", "手数料無料の金融機関"), ("dotmoney", ""), ("pex", "")]


def test_labels_from_page_title(exits):
    assert [exits[k]["label"] for k in sorted(exits)] == [
        "Amazonギフトカード", "銀行振込", "銀行振込", "ドットマネー", "PeX"]


def test_amazon_rate(exits):
    a = exits[("amazon_gift", "")]
    assert (a["points_in"], a["value_out"]) == (1000, 500)


def test_amazon_minimum_and_step_from_one_cell(exits):
    a = exits[("amazon_gift", "")]
    assert (a["minimum_points"], a["step_points"]) == (1000, 1000)
    assert (a["minimum_text"], a["step_text"]) == ("1,000ちょびポイント以上", "1,000ちょびポイント単位")


def test_amazon_real_time(exits):
    a = exits[("amazon_gift", "")]
    assert (a["lag_text"], a["lag_min_days"], a["lag_max_days"]) == ("リアルタイム", 0, 0)


def test_zero_yen_fee_is_free(exits):
    assert exits[("amazon_gift", "")]["fee_text"] == "0円"
    assert [exits[k]["fee_points"] for k in sorted(exits)] == [0, 300, 0, 0, 0]


def test_free_banks(exits):
    b = exits[("bank", "手数料無料の金融機関")]
    assert (b["points_in"], b["value_out"], b["minimum_points"], b["step_points"]) == (1000, 500, 1000, 2)
    assert (b["fee_points"], b["lag_text"], b["lag_min_days"], b["lag_max_days"]) == (0, "3営業日以内", 0, 3)


def test_other_banks_pay_300_points_and_wait_longer(exits):
    b = exits[("bank", "その他の金融機関")]
    assert (b["points_in"], b["value_out"], b["minimum_points"], b["step_points"]) == (1000, 500, 1000, 2)
    assert (b["fee_points"], b["lag_text"], b["lag_min_days"], b["lag_max_days"]) == (300, "4営業日以内", 0, 4)


def test_dotmoney_rate_ignores_bonus_marker(exits):
    d = exits[("dotmoney", "")]
    assert (d["points_in"], d["value_out"], d["minimum_points"], d["step_points"]) == (1000, 500, 1000, 1000)
    assert (d["lag_min_days"], d["lag_max_days"], d["fee_points"]) == (0, 0, 0)


def test_pex_rate_and_lag(exits):
    p = exits[("pex", "")]
    assert (p["points_in"], p["value_out"]) == (1000, 5000)
    assert (p["lag_text"], p["lag_min_days"], p["lag_max_days"]) == ("翌営業日", 1, 1)


def test_no_caps(exits):
    assert all(i["daily_cap_points"] is None and i["monthly_cap_points"] is None
               for i in exits.values())


def test_one_campaign_on_the_dotmoney_page(pages, campaigns):
    assert len(campaigns) == 1
    assert [i for i in pages[DOTMONEY] if "bonus_bp" in i] == campaigns


def test_campaign_identity(campaigns):
    c = campaigns[0]
    assert (c["key"], c["destination"]) == ("exchange/dotmoney/campaign/202611", "dotmoney")
    assert c["title"] == "ドットマネー交換 10%増量キャンペーン"


def test_campaign_bonus(campaigns):
    assert (campaigns[0]["bonus_bp"], campaigns[0]["kind"]) == (1000, "bonus")


def test_campaign_window_end_takes_the_start_year(campaigns):
    c = campaigns[0]
    assert c["starts_at"] == datetime(2026, 11, 1, 0, 0, tzinfo=JST)
    assert c["ends_at"] == datetime(2026, 11, 30, 23, 59, tzinfo=JST)
    assert c["starts_at"] <= FROZEN_NOW <= c["ends_at"]


def test_campaign_cap_in_chobi_points_the_exchange_spends(campaigns):
    # A campaign's cap counts the points of the exchange (what the advisor
    # caps): the page's 40,000 ちょびポイント, not the 20,000 マネー they become.
    c = campaigns[0]
    assert c["cap_points"] == 40_000
    assert c["cap_text"] == "お一人様20,000マネー（40,000ちょびポイント）の交換分まで"


def test_campaign_cap_in_money_only_is_read_by_the_pages_rate(tmp_path):
    # 「お一人様20,000マネーまで」 alone: the reference's campaign (+10 % on the
    # first 20,000 マネー) at the page's 1,000ちょびポイント→500マネー is 40,000
    # ちょびポイント of exchange. It was read as 20,000 ちょびポイント, half the cap.
    from pointexit.recorded import RECORDED
    from tests.conftest import parse_file

    page = (RECORDED / "chobirich" / DOTMONEY.strip("/") / "index.html").read_text("utf-8")
    stated = "お一人様20,000マネー（40,000ちょびポイント）の交換分まで"
    assert stated in page
    file = tmp_path / "index.html"
    file.write_text(page.replace(stated, "お一人様20,000マネーまで"), "utf-8")
    c = next(i for i in parse_file("chobirich", file, BASE + DOTMONEY) if "bonus_bp" in i)
    assert (c["cap_points"], c["problems"]) == (40_000, [])


def test_campaign_not_first_come(campaigns):
    assert campaigns[0]["first_come"] is False


def test_provenance(pages):
    for path, items in pages.items():
        for i in items:
            assert i["source_url"] == BASE + path
            assert i["seen_at"] == FROZEN_NOW


def test_all_valid(pages):
    assert [i["problems"] for items in pages.values() for i in items] == [[]] * 6
