"""Pointtown exchange table (columns 最低交換Pt / 交換予定日 / 交換レート / 手数料), parsed once."""

from fractions import Fraction

import pytest

from pointexit.recorded import RECORDED
from spiders import parsing
from tests.conftest import FROZEN_NOW

URL = "https://www.pointtown.com/exchange/"


@pytest.fixture(scope="module")
def parsed(parse_page):
    return parse_page("pointtown", "/exchange/")


@pytest.fixture(scope="module")
def exits(parsed):
    return {(i["destination"], i["variant"]): i for i in parsed}


def test_one_exit_per_row(parsed):
    assert len(parsed) == 7


def test_destinations_and_variants(exits):
    assert set(exits) == {("amazon_gift", ""), ("pex", ""), ("dotmoney", ""),
                          ("bank", "GMOあおぞらネット銀行"), ("bank", "その他の金融機関"),
                          ("paypay", ""), ("d_point", "")}


def test_amazon_at_19_6_points_a_yen(exits):
    a = exits["amazon_gift", ""]
    assert (a["points_in"], a["value_out"], a["minimum_points"]) == (1_960, 100, 1_960)


def test_amazon_badge_states_the_same_rate_exactly():
    page = (RECORDED / "pointtown/exchange/index.html").read_text(encoding="utf-8")
    assert "19.6Pt＝1円" in page
    assert parsing.parse_rate("19.6Pt＝1円") == (196, 10)
    assert Fraction(196, 10) == Fraction(1_960, 100)


def test_amazon_label_excludes_badge(exits):
    assert exits["amazon_gift", ""]["label"] == "Amazonギフトカード"


def test_same_day_to_next_business_day(exits):
    a = exits["amazon_gift", ""]
    assert (a["lag_text"], a["lag_min_days"], a["lag_max_days"]) == ("当日~翌営業日", 0, 1)


def test_no_step_column(parsed):
    assert {e["step_points"] for e in parsed} == {None}


def test_bank_fee_in_yen_becomes_points(exits):
    # 100円 at 20 Pt = 1円 is 2,000 Pt.
    assert exits["bank", "その他の金融機関"]["fee_points"] == 2_000
    assert exits["bank", "GMOあおぞらネット銀行"]["fee_points"] == 0


def test_bank_lag(exits):
    b = exits["bank", "GMOあおぞらネット銀行"]
    assert (b["lag_text"], b["lag_min_days"], b["lag_max_days"]) == ("3営業日以内", 0, 3)


@pytest.mark.parametrize("destination, value_out", [
    ("pex", 1_000), ("dotmoney", 100), ("paypay", 100), ("d_point", 100),
])
def test_other_exits_from_2000(exits, destination, value_out):
    e = exits[destination, ""]
    assert (e["points_in"], e["value_out"], e["minimum_points"], e["fee_points"]) == (
        2_000, value_out, 2_000, 0)


def test_provenance(parsed):
    for i in parsed:
        assert (i["source_url"], i["seen_at"]) == (URL, FROZEN_NOW)


def test_all_valid(parsed):
    assert [i["problems"] for i in parsed] == [[]] * 7
