"""PointIncome exchange boxes (amount picker, bank fee table), parsed once."""

import pytest

from tests.conftest import FROZEN_NOW

URL = "https://pointi.jp/exchange/"


@pytest.fixture(scope="module")
def parsed(parse_page):
    return parse_page("pointincome", "/exchange/")


@pytest.fixture(scope="module")
def exits(parsed):
    return {(i["destination"], i["variant"]): i for i in parsed}


def test_item_count(parsed):
    # 4 Amazon amounts + 5 banks + dot money + PeX; no campaign on the page.
    assert len(parsed) == 11


def test_destinations(exits):
    assert {d for d, _ in exits} == {"amazon_gift", "bank", "dotmoney", "pex"}


@pytest.mark.parametrize("amount, points, yen", [
    ("500円", 5_000, 500), ("1,000円", 10_000, 1_000), ("2,000円", 20_000, 2_000),
    ("3,000円", 30_000, 3_000),
])
def test_amazon_amount_picker(exits, amount, points, yen):
    a = exits["amazon_gift", amount]
    assert (a["points_in"], a["value_out"], a["minimum_points"]) == (points, yen, points)
    # Each amount is exchanged whole, one per application: 15,000pt on 「500円」
    # would be three applications (three days), not one exchange.
    assert (a["step_points"], a["max_points"]) == (None, points)
    assert a["label"] == f"Amazonギフトカード {amount}分"


def test_only_the_amount_picker_has_a_largest_exchange(exits):
    assert {k for k, e in exits.items() if e["max_points"] is not None} == {
        ("amazon_gift", a) for a in ("500円", "1,000円", "2,000円", "3,000円")}


def test_amazon_free(exits):
    assert [e["fee_points"] for (d, _), e in exits.items() if d == "amazon_gift"] == [0] * 4


def test_amazon_next_business_day_wording_kept(exits):
    a = exits["amazon_gift", "500円"]
    assert a["lag_text"] == "翌営業日(日曜・祝日を除く)"
    assert (a["lag_min_days"], a["lag_max_days"]) == (1, 1)


def test_one_exchange_a_day_over_all_exits(parsed):
    for e in parsed:
        assert (e["daily_exchanges"], e["cap_scope"]) == (1, "site")
        assert e["cap_text"] == "交換申請は全交換先合わせて1日1回までとなります。"


@pytest.mark.parametrize("bank, minimum, fee", [
    ("ゆうちょ銀行", 5_000, 1_000), ("三菱UFJ銀行", 5_000, 1_600), ("三井住友銀行", 5_000, 1_600),
    ("みずほ銀行", 5_000, 1_600), ("PayPay銀行", 10_000, 0),
])
def test_bank_minimum_and_fee_per_bank(exits, bank, minimum, fee):
    b = exits["bank", bank]
    assert (b["minimum_points"], b["fee_points"]) == (minimum, fee)


def test_japan_post_bank_6000_points_for_500_yen(exits):
    b = exits["bank", "ゆうちょ銀行"]
    assert (b["points_in"], b["value_out"], b["step_points"]) == (10, 1, 1_000)
    received = b["minimum_points"] * b["value_out"] // b["points_in"]
    assert (b["minimum_points"] + b["fee_points"], received) == (6_000, 500)


def test_bank_lag_two_business_days(exits):
    b = exits["bank", "PayPay銀行"]
    assert (b["lag_text"], b["lag_min_days"], b["lag_max_days"]) == ("翌々営業日", 2, 2)


def test_dotmoney_and_pex(exits):
    d, p = exits["dotmoney", ""], exits["pex", ""]
    assert (d["points_in"], d["value_out"], d["minimum_points"], d["step_points"], d["fee_points"]) == (
        10, 1, 5_000, 1_000, 0)
    assert (p["points_in"], p["value_out"], p["minimum_points"], p["step_points"], p["fee_points"]) == (
        1, 1, 5_000, 1_000, 0)
    assert (d["lag_min_days"], d["lag_max_days"], p["lag_text"]) == (0, 0, "リアルタイム")


def test_overall_minimum_5000(parsed):
    assert min(e["minimum_points"] for e in parsed) == 5_000


def test_provenance(parsed):
    for i in parsed:
        assert (i["source_url"], i["seen_at"]) == (URL, FROZEN_NOW)


def test_all_valid(parsed):
    assert [i["problems"] for i in parsed] == [[]] * 11
