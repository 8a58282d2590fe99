"""ECnavi exchange boxes, recorded in EUC-JP, parsed once."""

import pytest

from tests.conftest import FROZEN_NOW

URL = "https://ecnavi.jp/exchange/"


@pytest.fixture(scope="module")
def parsed(parse_page):
    return parse_page("ecnavi", "/exchange/")


@pytest.fixture(scope="module")
def exits(parsed):
    return {i["destination"]: i for i in parsed}


def test_one_exit_per_box(parsed):
    assert len(parsed) == 2


def test_destinations(exits):
    assert set(exits) == {"amazon_gift", "pex"}


def test_amazon_direct(exits):
    a = exits["amazon_gift"]
    assert (a["label"], a["points_in"], a["value_out"]) == ("Amazonギフトカード", 5_000, 500)
    assert (a["minimum_points"], a["step_points"]) == (5_000, 5_000)


def test_amazon_fee_per_exchange(exits):
    a = exits["amazon_gift"]
    assert a["fee_points"] == 1_000
    # The page's 必要ポイント: 6,000pt (fee included) for ¥500.
    assert a["minimum_points"] + a["fee_points"] == 6_000


def test_real_time(exits):
    for e in exits.values():
        assert (e["lag_text"], e["lag_min_days"], e["lag_max_days"]) == ("リアルタイム", 0, 0)


def test_pex_free_one_to_one(exits):
    p = exits["pex"]
    assert (p["points_in"], p["value_out"], p["minimum_points"], p["step_points"], p["fee_points"]) == (
        1, 1, 500, 500, 0)


def test_no_variants_or_caps(parsed):
    assert {(e["variant"], e["daily_exchanges"], e["monthly_cap_points"]) for e in parsed} == {("", None, None)}


def test_provenance(parsed):
    for i in parsed:
        assert (i["source_url"], i["seen_at"]) == (URL, FROZEN_NOW)


def test_all_valid(parsed):
    assert [i["problems"] for i in parsed] == [[]] * 2
