"""PointIncome's 総合通販・百貨店 listing (real markup, Shift_JIS), both states, parsed once each."""

from datetime import datetime

import pytest

from pointexit.clock import JST
from pointexit.recorded import RECORDED
from tests.conftest import FROZEN_NOW
from tests.shopping_pages import STATES, page_bytes, parse_listing, state_fixtures

NAME = "pointincome_shopping"
URL = "https://pointi.jp/list.php?category=66"

with_offer, without_offer, offer = state_fixtures(NAME, offer_root=STATES, plain_root=RECORDED)


def test_recorded_in_shift_jis_as_the_real_site():
    raw = page_bytes(NAME)
    assert b'<meta charset="shift_jis">' in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "承認期間:約3ヶ月".encode("cp932") in raw


def test_no_offer_is_no_items_and_no_layout_problem(without_offer):
    items, _, stats = without_offer
    assert items == [] and "pointexit/layout_missing" not in stats
    assert stats["pointexit/listing/ads"] == 8


def test_amazon_at_zero_percent_and_fashion_unknown_are_no_reward(without_offer):
    assert without_offer[2]["pointexit/listing/amazon_no_reward"] == 2


def test_prime_video_and_the_gift_card_survey_only_mention_amazon(without_offer):
    assert without_offer[2]["pointexit/listing/amazon_mentions"] == 2


def test_offer_key_is_the_ad_id(offer):
    assert offer["key"] == "ad/52207"


def test_offer_title_decoded_from_shift_jis(offer):
    assert offer["title"] == "Amazon(ファッション)"


def test_offer_reward_wording_and_exact_rate(offer):
    assert (offer["reward_text"], offer["rate_bp"]) == ("購入金額の1%", 100)


def test_offer_scope(offer):
    assert offer["scope"] == "ファッション"


def test_offer_conditions(offer):
    assert offer["conditions"] == "ファッションカテゴリ対象商品の購入"


def test_offer_lag_wording(offer):
    assert offer["lag_text"] == "承認期間:約3ヶ月"


def test_offer_window(offer):
    assert offer["window_text"] == "2026/11/30 23:59まで"
    assert (offer["starts_at"], offer["ends_at"]) == (None, datetime(2026, 11, 30, 23, 59, tzinfo=JST))


def test_offer_provenance_and_validity(offer):
    assert (offer["source_url"], offer["seen_at"], offer["problems"]) == (URL, FROZEN_NOW, [])


def test_a_page_without_ad_boxes_is_a_layout_problem():
    items, _, stats = parse_listing(
        NAME, body='<html><head><meta charset="shift_jis"></head><body><div id="list_area"></div></body></html>'.encode())
    assert items == [] and stats["pointexit/layout_missing"] == 1
