"""Gendama exchange table, recorded in Shift_JIS, parsed once."""

import pytest

from tests.conftest import FROZEN_NOW

URL = "https://www.gendama.jp/exchange/"


@pytest.fixture(scope="module")
def parsed(parse_page):
    return parse_page("gendama", "/exchange/")


@pytest.fixture(scope="module")
def exits(parsed):
    return {(i["destination"], i["variant"]): i for i in parsed}


def test_one_exit_per_row(parsed):
    assert len(parsed) == 4


def test_destinations_and_variants(exits):
    assert set(exits) == {("dotmoney", ""), ("amazon_gift", ""), ("bank", "ゆうちょ銀行"),
                          ("bank", "その他の金融機関")}


def test_labels_decoded_from_shift_jis(exits):
    assert exits["dotmoney", ""]["label"] == "ドットマネー"
    assert exits["bank", "ゆうちょ銀行"]["label"] == "銀行振込(ゆうちょ銀行)"


def test_dotmoney_rate_net_of_its_10_percent_fee(exits):
    d = exits["dotmoney", ""]
    # 3,000pt is ¥300 of points; 10 % is taken off the rate, not charged on top.
    assert (d["points_in"], d["value_out"], d["fee_points"]) == (3_000, 270, 0)


def test_amazon(exits):
    a = exits["amazon_gift", ""]
    assert (a["points_in"], a["value_out"], a["fee_points"]) == (1_000, 100, 0)
    assert (a["lag_text"], a["lag_min_days"], a["lag_max_days"]) == ("即時", 0, 0)


def test_overall_minimum_3000_in_1000_steps(parsed):
    assert {(e["minimum_points"], e["step_points"]) for e in parsed} == {(3_000, 1_000)}


@pytest.mark.parametrize("bank, fee_points", [("ゆうちょ銀行", 1_650), ("その他の金融機関", 2_060)])
def test_realpay_fee_in_yen_converted_at_10_points_a_yen(exits, bank, fee_points):
    assert exits["bank", bank]["fee_points"] == fee_points


def test_bank_lag(exits):
    b = exits["bank", "ゆうちょ銀行"]
    assert (b["lag_text"], b["lag_min_days"], b["lag_max_days"]) == ("3営業日以内", 0, 3)


def test_provenance(parsed):
    for i in parsed:
        assert (i["source_url"], i["seen_at"]) == (URL, FROZEN_NOW)


def test_all_valid(parsed):
    assert [i["problems"] for i in parsed] == [[]] * 4
