"""PeX's own exits (a table per category, read by header), parsed once."""

from fractions import Fraction

import pytest

from pointexit.catalog import SITES
from tests.conftest import FROZEN_NOW

URL = "https://pex.jp/point_exchange/"


@pytest.fixture(scope="module")
def items(parse_page):
    return {i["destination"]: i for i in parse_page("pex", "/point_exchange/")}


def test_every_row_is_an_item(parse_page):
    assert len(parse_page("pex", "/point_exchange/")) == 4


def test_destinations(items):
    assert set(items) == {"amazon_gift", "bank", "d_point", "rakuten_point"}


def test_labels_exclude_row_comment(items):
    assert items["amazon_gift"]["label"] == "Amazonギフトカード"


def test_amazon_rate_minimum_step(items):
    a = items["amazon_gift"]
    assert (a["points_in"], a["value_out"], a["minimum_points"], a["step_points"]) == (990, 100, 990, 990)


def test_amazon_slightly_better_than_face(items):
    # 1,980円分のポイント（19,800ポイント）で2,000円分: ¥100 of gift for ¥99 of points.
    a = items["amazon_gift"]
    assert Fraction(a["value_out"], a["points_in"]) / SITES["pex"].yen_per_point == Fraction(100, 99)


def test_amazon_instant(items):
    assert (items["amazon_gift"]["lag_min_days"], items["amazon_gift"]["lag_max_days"]) == (0, 0)


def test_bank(items):
    b = items["bank"]
    assert b["label"] == "楽天銀行"
    assert (b["points_in"], b["value_out"], b["minimum_points"], b["step_points"]) == (1000, 100, 5000, 1000)
    assert (b["lag_min_days"], b["lag_max_days"]) == (0, 3)


def test_bank_fee_in_yen_becomes_pex_points(items):
    assert (items["bank"]["fee_text"], items["bank"]["fee_points"]) == ("50円", 500)


def test_point_exits(items):
    assert {d: (items[d]["points_in"], items[d]["value_out"], items[d]["lag_max_days"])
            for d in ("d_point", "rakuten_point")} == {
        "d_point": (1000, 100, 5), "rakuten_point": (1000, 100, 1)}


def test_no_campaigns(parse_page):
    assert [i for i in parse_page("pex", "/point_exchange/") if "bonus_bp" in i] == []


def test_provenance(items):
    for i in items.values():
        assert i["source_url"] == URL
        assert i["seen_at"] == FROZEN_NOW


def test_all_valid(items):
    assert [i["problems"] for i in items.values()] == [[]] * 4
