"""Rakuten Rebates's store list (JSON state in the page), both states, parsed once each."""

import json

from spiders.sites.rakuten_rebates import stores_in
from pointexit.recorded import RECORDED
from tests.conftest import FROZEN_NOW
from tests.shopping_pages import STATES, parse_listing, state_fixtures

NAME = "rakuten_rebates"
URL = "https://www.rebates.jp/stores"

with_offer, without_offer, offer = state_fixtures(NAME, offer_root=RECORDED, plain_root=STATES)


def test_it_has_no_exchange_exits():
    from pointexit.crawling import spider_classes

    spider = spider_classes()[NAME]
    assert spider.site == "rakuten_rebates" and spider.expected_min_items == 0


def test_every_store_record_is_read(with_offer):
    assert with_offer[2]["pointexit/listing/ads"] == 13


def test_kindle_publishing_only_mentions_amazon(with_offer):
    assert with_offer[2]["pointexit/listing/amazon_mentions"] == 1


def test_offer_key_is_the_store_link(offer):
    assert offer["key"] == "amazon-fashion"


def test_offer_title_rate_and_scope(offer):
    assert (offer["title"], offer["reward_text"], offer["rate_bp"], offer["scope"]) == (
        "Amazon(ファッション)", "1.0%", 100, "ファッション")


def test_offer_provenance_and_validity(offer):
    assert (offer["source_url"], offer["seen_at"], offer["problems"]) == (URL, FROZEN_NOW, [])


def test_without_offer_no_items_and_no_layout_problem(without_offer):
    items, _, stats = without_offer
    assert items == [] and stats["pointexit/listing/ads"] == 12
    assert "pointexit/layout_missing" not in stats


def test_an_inactive_store_is_skipped_and_counted():
    record = {"shoppingUrl": "https://www.rebates.jp/shopping/amazon-fashion", "link": "amazon-fashion",
              "name": "Amazon（ファッション）", "rewardText": "1.0%", "status": "inactive"}
    page = f"<script>window.INITIAL_FETCH_STATE = {json.dumps({'x': {'data': {'stores': [record]}}})};</script>"
    items, _, stats = parse_listing(NAME, body=page.encode())
    assert items == [] and stats["pointexit/listing/inactive_stores"] == 1


def test_records_are_found_even_if_the_state_wrapper_changes():
    record = {"shoppingUrl": "https://www.rebates.jp/shopping/beams.com", "link": "beams.com",
              "name": "BEAMS", "rewardText": "1.0%", "status": "active"}
    page = f'<script id="__STATE__">self.__s = [{json.dumps(record, ensure_ascii=False)}]</script>'
    assert stores_in(page) == [record]


def test_a_page_without_the_store_state_is_a_layout_problem():
    items, _, stats = parse_listing(NAME, body=b"<html><body><div id='content'></div></body></html>")
    assert items == [] and stats["pointexit/layout_missing"] == 1
