"""Hapitas exchange table and its campaign, parsed once from the recorded page."""

from datetime import datetime

import pytest

from pointexit.clock import JST
from tests.conftest import FROZEN_NOW

URL = "https://hapitas.jp/exchange/"


@pytest.fixture(scope="module")
def items(parse_page):
    return {i["destination"]: i for i in parse_page("hapitas", "/exchange/") if "label" in i}


@pytest.fixture(scope="module")
def campaign(parse_page):
    [found] = [i for i in parse_page("hapitas", "/exchange/") if "bonus_text" in i]
    return found


def test_every_exit_row_is_an_item_plus_the_campaign(parse_page):
    parsed = parse_page("hapitas", "/exchange/")
    assert len(parsed) == 9
    assert len([i for i in parsed if "label" in i]) == 8


def test_destinations(items):
    assert set(items) == {"amazon_gift", "bank", "paypay", "d_point", "rakuten_point",
                          "dotmoney", "pex", "jal_mile"}


def test_amazon_rate(items):
    assert (items["amazon_gift"]["points_in"], items["amazon_gift"]["value_out"]) == (490, 500)


def test_amazon_label_excludes_campaign_badge(items):
    assert items["amazon_gift"]["label"] == "Amazonギフトカード"


def test_amazon_minimum_and_step(items):
    assert items["amazon_gift"]["minimum_points"] == 490
    assert items["amazon_gift"]["step_points"] == 490


def test_fee_free(items):
    assert all(i["fee_points"] == 0 for i in items.values())


def test_lag_wording_kept_and_parsed(items):
    a = items["amazon_gift"]
    assert a["lag_text"] == "申請の翌日より3営業日以内"
    assert (a["lag_min_days"], a["lag_max_days"]) == (1, 3)


def test_jal_lag(items):
    assert (items["jal_mile"]["lag_min_days"], items["jal_mile"]["lag_max_days"]) == (1, 25)


def test_bank(items):
    b = items["bank"]
    assert (b["points_in"], b["value_out"], b["minimum_points"], b["step_points"]) == (300, 300, 300, 100)


def test_rakuten_rate_and_minimum(items):
    r = items["rakuten_point"]
    assert (r["points_in"], r["value_out"], r["minimum_points"], r["step_points"]) == (130, 100, 390, 130)


def test_pex_units(items):
    assert (items["pex"]["points_in"], items["pex"]["value_out"]) == (300, 3000)


def test_monthly_cap_shared_by_all_exits(items):
    for i in items.values():
        assert i["monthly_cap_points"] == 30_000
        assert i["cap_scope"] == "site"


def test_provenance(items):
    for i in items.values():
        assert i["source_url"] == URL
        assert i["seen_at"] == FROZEN_NOW


def test_all_valid(items):
    assert [i["problems"] for i in items.values()] == [[]] * 8


def test_campaign_is_the_amazon_badge(campaign):
    assert (campaign["destination"], campaign["bonus_text"]) == ("amazon_gift", "2%増量中")
    assert (campaign["kind"], campaign["bonus_bp"]) == ("bonus", 200)


def test_campaign_key_names_the_exit_and_its_start(campaign):
    assert campaign["key"] == "amazon:2026-11-01"


def test_campaign_title(campaign):
    assert campaign["title"] == "Amazonギフトカード交換 2%増量キャンペーン"


def test_campaign_window_in_jst(campaign):
    assert campaign["starts_at"] == datetime(2026, 11, 1, 0, 0, tzinfo=JST)
    assert campaign["ends_at"] == datetime(2026, 11, 30, 23, 59, tzinfo=JST)


def test_campaign_has_no_cap_of_its_own_and_is_not_first_come(campaign):
    # The page's 30,000 pt is the site's monthly cap over all exits, not the campaign's.
    assert campaign["cap_points"] is None
    assert campaign["first_come"] is False


def test_campaign_provenance_and_validity(campaign):
    assert (campaign["source_url"], campaign["seen_at"]) == (URL, FROZEN_NOW)
    assert campaign["problems"] == []


def test_the_campaign_badge_is_already_in_the_listed_rate(parse_page):
    [campaign] = [i for i in parse_page("hapitas", "/exchange/") if "bonus_bp" in i]
    assert (campaign["bonus_bp"], campaign["in_rate"]) == (200, True)


@pytest.mark.parametrize("note, first_come", [
    ("先着順ではありません。期間中に申し込まれた方全員が対象です。", False),
    ("先着10,000名様限定", True),
    ("予算上限に達し次第終了となります。", True),
])
def test_campaign_first_come_reads_the_boxs_wording(tmp_path, note, first_come):
    from pointexit.recorded import RECORDED
    from tests.conftest import parse_file

    page = (RECORDED / "hapitas/exchange/index.html").read_text(encoding="utf-8")
    anchor = '<p class="campaign-text">'
    assert page.count(anchor) == 1
    file = tmp_path / "index.html"
    file.write_text(page.replace(anchor, f'<p class="campaign-note">{note}</p>{anchor}'),
                    encoding="utf-8")
    [campaign] = [i for i in parse_file("hapitas", file, URL) if "bonus_bp" in i]
    assert (campaign["first_come"], campaign["problems"]) == (first_come, [])
