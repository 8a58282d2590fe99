"""Hapitas's 総合ネット通販 category page, both states, parsed once each."""

from datetime import datetime

from pointexit.clock import JST
from pointexit.recorded import RECORDED
from tests.conftest import FROZEN_NOW
from tests.shopping_pages import STATES, parse_listing, state_fixtures

NAME = "hapitas_shopping"
URL = "https://hapitas.jp/category/shopping_store/"

with_offer, without_offer, offer = state_fixtures(NAME, offer_root=RECORDED, plain_root=STATES)


def test_every_catalog_slot_is_read(with_offer):
    assert with_offer[2]["pointexit/listing/ads"] == 12


def test_the_other_amazon_features_pay_nothing(with_offer):
    # タイムセール, 人気ランキング, THE NORTH FACE, ふるさと納税: empty captions.
    assert with_offer[2]["pointexit/listing/amazon_no_reward"] == 4


def test_offer_key_is_the_item_id(offer):
    assert offer["key"] == "itemid/98012"


def test_offer_title(offer):
    assert offer["title"] == "【ファッション】Amazon.co.jp(アマゾン)"


def test_offer_rate(offer):
    assert (offer["reward_text"], offer["rate_bp"]) == ("1%", 100)


def test_offer_scope_from_the_bracket(offer):
    assert offer["scope"] == "ファッション"


def test_offer_window_without_a_year_takes_the_seen_year(offer):
    assert offer["window_text"] == "11/30(月)23:59まで"
    assert offer["ends_at"] == datetime(2026, 11, 30, 23, 59, tzinfo=JST)


def test_offer_has_no_conditions_or_lag_on_the_list(offer):
    assert (offer["conditions"], offer["lag_text"]) == (None, None)


def test_offer_provenance_and_validity(offer):
    assert (offer["source_url"], offer["seen_at"], offer["problems"]) == (URL, FROZEN_NOW, [])


def test_without_offer_the_fashion_item_is_zero_point(without_offer):
    items, _, stats = without_offer
    assert items == [] and stats["pointexit/listing/amazon_no_reward"] == 5
    assert "pointexit/layout_missing" not in stats


def test_a_page_without_the_catalog_is_a_layout_problem():
    items, _, stats = parse_listing(NAME, body="<html><body><div id='main'>メンテナンス中</div></body></html>".encode())
    assert items == [] and stats["pointexit/layout_missing"] == 1


def test_a_login_form_instead_of_the_catalog_is_login_required():
    form = '<html><body><form action="/auth/signin"><input type="password" name="pw"></form></body></html>'
    items, _, stats = parse_listing(NAME, body=form.encode())
    assert items == [] and stats["pointexit/login_required"] == 1
    assert "pointexit/layout_missing" not in stats


def test_an_offer_whose_link_no_longer_names_it_is_a_layout_problem():
    # The item links change form: the running offer cannot be stored, and an
    # ok run without it would mark it ended.
    body = (RECORDED / "hapitas/category/shopping_store/index.html").read_bytes()
    items, _, stats = parse_listing(NAME, body=body.replace(b"/itemid/", b"/item-id/"))
    assert items == [] and stats["pointexit/layout_missing"] == 1


def test_a_catalog_without_slots_is_a_layout_problem():
    body = (RECORDED / "hapitas/category/shopping_store/index.html").read_bytes()
    items, _, stats = parse_listing(NAME, body=body.replace(b"item_slots_thumb", b"item-slot"))
    assert items == [] and stats["pointexit/layout_missing"] == 1
