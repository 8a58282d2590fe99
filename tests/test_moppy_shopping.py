"""Moppy's 総合通販 listing (real markup), both recorded states, parsed once each."""

from pointexit.clock import JST
from pointexit.recorded import RECORDED
from tests.conftest import FROZEN_NOW
from tests.shopping_pages import STATES, page_bytes, parse_listing, state_fixtures

NAME = "moppy_shopping"
URL = "https://pc.moppy.jp/category/list.php?parent_category=6&child_category=80"

with_offer, without_offer, offer = state_fixtures(NAME, offer_root=STATES, plain_root=RECORDED)


def test_no_offer_is_no_items_and_no_layout_problem(without_offer):
    items, requests, stats = without_offer
    assert (items, requests) == ([], [])
    assert "pointexit/layout_missing" not in stats


def test_every_ad_of_the_list_is_read(without_offer):
    assert without_offer[2]["pointexit/listing/ads"] == 12


def test_amazon_and_amazon_fashion_listed_without_reward(without_offer):
    assert without_offer[2]["pointexit/listing/amazon_no_reward"] == 2


def test_prime_video_gift_card_survey_and_kindle_only_mention_amazon(without_offer):
    assert without_offer[2]["pointexit/listing/amazon_mentions"] == 3


def test_offer_key_is_the_ads_site_id(offer):
    assert offer["key"] == "shopping/detail.php?site_id=6911"


def test_offer_title_and_store(offer):
    assert (offer["title"], offer["store"]) == ("Amazonファッション", "Amazon")


def test_offer_rate_is_exact(offer):
    assert (offer["reward_text"], offer["rate_bp"]) == ("1.0%", 100)


def test_offer_scope(offer):
    assert offer["scope"] == "ファッション"


def test_offer_conditions(offer):
    assert offer["conditions"] == "ファッションカテゴリの商品購入"


def test_offer_has_no_lag_or_window_on_the_list(offer):
    assert (offer["lag_text"], offer["window_text"], offer["starts_at"], offer["ends_at"]) == (
        None, None, None, None)


def test_offer_provenance_and_validity(offer):
    assert (offer["source_url"], offer["seen_at"], offer["problems"]) == (URL, FROZEN_NOW, [])
    assert FROZEN_NOW.tzinfo == JST


def test_the_side_ranking_is_not_read_as_the_list(with_offer):
    assert with_offer[2]["pointexit/listing/ads"] == 12


def test_the_ajax_fragment_reads_like_the_page():
    """The category page's list as the AJAX endpoint returns it: just the fragment."""
    page = page_bytes(NAME, STATES).decode("utf-8")
    fragment = page[page.index('<header class="m-title__header'):page.index("<!--/.m-pagination-->")]
    items, _, stats = parse_listing(NAME, STATES, body=fragment.encode("utf-8"))
    assert [(i["key"], i["rate_bp"]) for i in items] == [("shopping/detail.php?site_id=6911", 100)]
    assert stats["pointexit/listing/ads"] == 12


def test_a_shell_without_the_list_asks_the_ajax_endpoint():
    page = page_bytes(NAME).decode("utf-8")
    shell = page[:page.index('<ul class="o-list--portrait')] + page[page.index("</ul>\n\t<div class=\"m-pagination"):]
    items, [request], stats = parse_listing(NAME, body=shell.encode("utf-8"))
    assert items == [] and "pointexit/layout_missing" not in stats
    assert request.url == ("https://pc.moppy.jp/ajax/category/get_list.php?parent_category=6"
                           "&child_category=80&objective_category=0&current_page=1&af_sorter=1"
                           "&exclude_purchased=")
    assert request.headers.get("X-Requested-With") == b"XMLHttpRequest"


def test_a_redesigned_page_is_a_layout_problem_not_no_offer():
    items, requests, stats = parse_listing(
        NAME, body="<html><body><div class='c-grid'><a href='/x'>楽天市場 1.0%</a></div></body></html>".encode())
    assert (items, requests) == ([], [])
    assert stats["pointexit/layout_missing"] == 1
