"""Invariants over every routing offer of every listing spider, in both recorded states."""

from datetime import datetime

import pytest

from pointexit.clock import JST
from pointexit.recorded import RECORDED
from spiders.routing import is_fashion
from tests.shopping_pages import PAGES, STATES, page_bytes, parse_listing

STATE_ROOTS = {"recorded": RECORDED, "other_state": STATES}


@pytest.fixture(scope="module")
def parsed():
    return {(name, state): parse_listing(name, root)
            for name in PAGES for state, root in STATE_ROOTS.items()}


def all_items(parsed):
    return [item for items, _, _ in parsed.values() for item in items]


def test_each_listing_has_one_state_with_an_offer_and_one_without(parsed):
    for name in PAGES:
        counts = sorted(len(parsed[(name, state)][0]) for state in STATE_ROOTS)
        assert counts == [0, 1], name


def test_demo_state_offers(parsed):
    found = {(i["site"], i["key"]) for (name, state), (items, _, _) in parsed.items()
             if state == "recorded" for i in items}
    assert found == {("hapitas", "itemid/98012"), ("rakuten_rebates", "amazon-fashion")}


@pytest.mark.parametrize("field", ["site", "key", "store", "title", "reward_text", "source_url", "seen_at"])
def test_required_fields_present(parsed, field):
    assert all(item[field] for item in all_items(parsed))


def test_rates_are_positive_whole_basis_points_in_the_usual_range(parsed):
    assert all(isinstance(i["rate_bp"], int) and 25 <= i["rate_bp"] <= 200 for i in all_items(parsed))


def test_every_recorded_offer_is_amazon_fashion(parsed):
    assert all(i["store"] == "Amazon" and is_fashion(i["scope"]) for i in all_items(parsed))


# The listings whose offer states a window, and that window's deadline as the page writes it.
WINDOWED = {"hapitas_shopping": (RECORDED, "11/30(月)23:59".encode("utf-8")),
            "pointincome_shopping": (STATES, b"2026/11/30 23:59")}


@pytest.mark.parametrize("name", sorted(WINDOWED))
def test_windows_are_ordered(name):
    """No recorded offer states when it starts (each runs until 11/30), so a check
    over the recorded items checked nothing. The page's deadline is given a start
    instead: before it, the window is read whole and valid; after it, the item is
    flagged (and so never stored)."""
    root, deadline = WINDOWED[name]
    page = page_bytes(name, root)
    assert page.count(deadline) == 1, name

    def window(start: bytes):
        [item] = parse_listing(name, root, page.replace(deadline, start + b"~2026/11/30 23:59"))[0]
        return item["starts_at"], item["ends_at"], item["problems"]

    end = datetime(2026, 11, 30, 23, 59, tzinfo=JST)
    assert window(b"2026/11/20") == (datetime(2026, 11, 20, tzinfo=JST), end, [])
    assert window(b"2026/12/20") == (datetime(2026, 12, 20, tzinfo=JST), end, ["window_unordered"])


def test_no_state_looks_like_a_changed_layout(parsed):
    assert not any("pointexit/layout_missing" in stats for _, _, stats in parsed.values())
