"""Verdict rules, one by one, on the stats a crawl leaves behind."""

import pytest

from spiders.health import Verdict, error_causes, judge_run, missing_fields, parse_rate_bp

# What a healthy Hapitas run leaves in the stats.
GOOD = {"pointexit/pages": 1, "pointexit/items": 8, "pointexit/valid_items": 8,
        "downloader/response_status_count/200": 2}


def run(keyed: dict | None = None, **changes):
    """GOOD with some pointexit/ stats changed: run({"errors/timeout": 1}, pages=0)."""
    return {**GOOD, **{f"pointexit/{k}": v for k, v in {**(keyed or {}), **changes}.items()}}


def verdict(stats, expected_min_items=5):
    v = judge_run(stats, expected_min_items)
    return v.verdict, v.code


def test_a_healthy_run_is_ok_without_reason():
    assert judge_run(GOOD, 5) == Verdict("ok")
    assert judge_run(GOOD, 5).reason is None


def test_login_wall_wins_over_everything():
    stats = run(login_required=1, items=0, valid_items=0)
    assert verdict(stats) == ("login_required", "login_required")
    assert "ログイン" in judge_run(stats, 5).reason


def test_429_fails_and_says_so_even_with_items():
    assert verdict(run(http_429=1)) == ("failed", "http_429")
    assert judge_run(run(http_429=1), 5).reason.startswith("http_429: ")


def test_429_seen_only_by_the_downloader_still_fails():
    stats = {**GOOD, "downloader/response_status_count/429": 1}
    assert verdict(stats) == ("failed", "http_429")


def test_robots_disallow_on_every_page_fails():
    stats = run({"errors/robots": 1}, pages=0, items=0, valid_items=0, download_errors=1)
    assert verdict(stats) == ("failed", "robots_disallowed")
    assert "robots.txt" in judge_run(stats, 5).reason


def test_timeouts_on_every_page_fail_as_timeout():
    stats = run({"errors/timeout": 2}, pages=0, items=0, valid_items=0, download_errors=2)
    assert verdict(stats) == ("failed", "timeout")


def test_http_errors_on_every_page_fail_naming_the_status():
    stats = run({"errors/http_404": 1, "errors/http_503": 1},
                pages=0, items=0, valid_items=0, download_errors=2)
    assert verdict(stats) == ("failed", "no_page")
    assert judge_run(stats, 5).reason.endswith("(HTTP 404、HTTP 503)")


def test_no_page_at_all_fails_even_when_no_items_are_expected():
    stats = run({"errors/http_404": 1}, pages=0, items=0, valid_items=0, download_errors=1)
    assert verdict(stats, expected_min_items=0) == ("failed", "no_page")


def test_items_are_evidence_of_a_page_even_when_none_was_counted():
    assert verdict(run(pages=0)) == ("ok", None)


def test_an_empty_page_fails():
    stats = run(items=0, valid_items=0, empty_pages=1)
    assert verdict(stats) == ("failed", "empty_page")


def test_an_empty_page_fails_even_where_nothing_is_a_valid_result():
    stats = run(items=0, valid_items=0, empty_pages=1)
    assert verdict(stats, expected_min_items=0) == ("failed", "empty_page")


def test_a_page_without_items_means_the_layout_changed():
    assert verdict(run(items=0, valid_items=0)) == ("failed", "layout_changed")


def test_no_items_is_ok_where_none_is_a_valid_result():
    # a shopping listing without any Amazon offer today
    assert verdict(run(items=0, valid_items=0), expected_min_items=0) == ("ok", None)


def test_items_without_a_single_valid_one_fail():
    stats = run({"invalid/missing:points_in": 8, "invalid/missing:value_out": 8},
                valid_items=0, invalid_items=8)
    assert verdict(stats) == ("failed", "no_valid_items")
    assert "points_in ×8" in judge_run(stats, 5).reason


def test_every_exit_invalid_fails_even_if_a_campaign_reads_fine():
    stats = run({"invalid/missing:points_in": 8}, items=9, valid_items=1, invalid_items=8,
                exits=8, valid_exits=0)
    assert verdict(stats) == ("failed", "no_valid_items")
    assert "交換先" in judge_run(stats, 5).reason
    assert verdict({**stats, "pointexit/valid_exits": 1}) == ("degraded", "missing_fields")


def test_a_spider_noticing_missing_structure_degrades():
    assert verdict(run(layout_missing=1)) == ("degraded", "layout_changed")
    named = judge_run({**run(layout_missing=1), "pointexit/layout_missing_at": "/exchange/pex/"}, 5)
    assert named.detail == ("ページの一部の構成が見つかりません (/exchange/pex/) "
                            "(ページの構成が変わった可能性があります)")


def test_some_pages_failing_degrades():
    stats = run({"errors/http_500": 1}, pages=2, download_errors=1)
    assert verdict(stats) == ("degraded", "pages_failed")
    assert judge_run(stats, 5).reason == "pages_failed: 3ページ中1ページを読めませんでした (HTTP 500)"


def test_one_empty_page_among_good_ones_degrades():
    stats = run(pages=2, empty_pages=1)
    assert verdict(stats) == ("degraded", "pages_failed")
    assert "空のページ" in judge_run(stats, 5).reason


def test_required_fields_missing_on_one_item_degrades():
    stats = run({"invalid/missing:points_in": 1}, items=20, valid_items=19, invalid_items=1)
    # 95 % valid would pass the share rule: the missing field alone decides.
    assert verdict(stats) == ("degraded", "missing_fields")
    assert judge_run(stats, 5).reason == (
        "missing_fields: 20件中1件に必須項目がありません (欠落: points_in ×1)")


def test_fewer_items_than_the_site_minimum_degrades():
    stats = run(items=4, valid_items=4)
    assert verdict(stats, expected_min_items=5) == ("degraded", "too_few_items")
    assert verdict(stats, expected_min_items=4) == ("ok", None)


@pytest.mark.parametrize("valid, expected", [
    (18, ("ok", None)),  # exactly 90 %
    (17, ("degraded", "too_many_invalid")),  # 85 %
])
def test_share_of_valid_items_threshold(valid, expected):
    stats = run({"invalid/unparsed:lag_text": 20 - valid},
                items=20, valid_items=valid, invalid_items=20 - valid)
    assert verdict(stats) == expected


def test_rules_are_checked_in_order():
    # login wall and 429 together: the login wall explains the 429-free page
    assert verdict(run(login_required=1, http_429=1)) == ("login_required", "login_required")
    # page errors and too few items together: the errors are the cause
    assert verdict(run({"errors/http_404": 1}, items=2, valid_items=2, download_errors=1)) == (
        "degraded", "pages_failed")


def test_a_stopped_crawl_degrades_however_whole_its_pages_were():
    """Ctrl-C drops the pages not yet fetched: the run must not become the newest ok one."""
    assert verdict(run(stopped=1)) == ("degraded", "stopped")
    assert judge_run(run(stopped=1), 5).reason == (
        "stopped: 巡回が途中で止められました (読んだ1ページも保存していません)")
    assert judge_run(run(stopped=1, pages=0, items=0, valid_items=0), 5).reason == (
        "stopped: 巡回が途中で止められました")
    # A login wall or a 429 explains more than the stop does.
    assert verdict(run(stopped=1, login_required=1)) == ("login_required", "login_required")
    assert verdict(run(stopped=1, http_429=1)) == ("failed", "http_429")


def test_error_causes_and_missing_fields_read_only_their_keys():
    stats = run({"errors/http_404": 2, "errors/timeout": 0, "invalid/missing:label": 1,
                 "invalid/min_below_step": 3})
    assert error_causes(stats) == {"http_404": 2}
    assert missing_fields(stats) == {"label": 1}


@pytest.mark.parametrize("items, unparsed, expected", [
    (0, 0, None), (8, 0, 10_000), (200, 1, 9_950), (3, 1, 6_666), (8, 8, 0)])
def test_parse_rate_is_the_share_of_rewards_turned_into_numbers(items, unparsed, expected):
    assert parse_rate_bp(run(items=items, unparsed_rewards=unparsed)) == expected



def through_validation(items):
    """Items through the normalize and validate pipelines of a real crawler:
    (the crawl's stats, the items as kept)."""
    from scrapy.utils.test import get_crawler

    from spiders.pipelines import NormalizePipeline, ValidatePipeline

    crawler = get_crawler()
    crawler.stats.open_spider()
    validate, normalize = ValidatePipeline(crawler.stats), NormalizePipeline()
    kept = [validate.process_item(normalize.process_item(i)) for i in items]
    return crawler.stats.get_stats(), kept


def lifemedia_caps(*cap_texts):
    """Lifemedia's Amazon exit with each cap text, through validation: (stats, kept)."""
    from spiders.items import ExitItem

    base = dict(site="lifemedia", label="Amazonギフトコード", rate_text="500P → 500円",
                source_url="https://lifemedia.jp/exchange/", seen_at="2026-11-23T09:00:00+09:00")
    return through_validation([ExitItem(cap_text=t, **base) for t in cap_texts])


def test_an_exit_free_the_first_time_only_is_flagged_not_stored_as_free():
    # 「初回無料」 alone was read as a fee of 0 for every exchange. The page
    # gives a fee the parser cannot read: unparsed:fee_text, as 「150P～」 is
    # (it was missing:fee_points, which reads as a lost column and degrades
    # the run).
    from spiders.items import ExitItem

    base = dict(site="hapitas", label="銀行振込", rate_text="300pt → 300円",
                minimum_text="150P～", source_url="https://hapitas.jp/exchange/",
                seen_at="2026-11-23T09:00:00+09:00")
    stats, kept = through_validation([ExitItem(fee_text="初回無料", **base),
                                      ExitItem(fee_text="初回無料、2回目以降100円", **base)])
    assert [(i["minimum_points"], i["fee_points"], i["problems"]) for i in kept] == [
        (150, None, ["unparsed:fee_text"]), (150, None, ["unparsed:fee_text"])]
    assert stats["pointexit/invalid/unparsed:fee_text"] == 2
    assert "pointexit/invalid/missing:fee_points" not in stats


def test_a_fee_the_page_gives_but_no_number_came_from_flags_the_exit_not_the_run():
    # 「初回無料」, a share (「交換ポイントの10%」) and 「無料（一部有料）」 were
    # missing:fee_points, which judge_run reads as the page having lost what
    # exits are made of (the run degraded, none of the site's exits stored);
    # 「150P～」 was already unparsed:fee_text. Wording the parser cannot read
    # is no layout change: each flags its exit only. A blank fee cell is a
    # fee absent from the page, and stays missing:fee_points.
    from spiders.items import ExitItem

    base = dict(site="gendama", label="ドットマネー", rate_text="10pt → 1マネー",
                source_url="https://www.gendama.jp/exchange/", seen_at="2026-11-23T09:00:00+09:00")
    texts = ["初回無料", "交換ポイントの10%", "無料（一部有料）", "150P～", "手数料：未定"]
    stats, kept = through_validation(
        [ExitItem(fee_text=t, **dict(base, label=f"ドットマネー{n}")) for n, t in enumerate(texts)]
        + [ExitItem(fee_text="無料", **dict(base, label=f"PeX{n}")) for n in range(45)])
    assert [(i["fee_points"], i["problems"]) for i in kept[:6]] == [
        (None, ["unparsed:fee_text"])] * 5 + [(0, [])]
    assert (stats["pointexit/invalid/unparsed:fee_text"], stats["pointexit/valid_exits"]) == (5, 45)
    assert "pointexit/invalid/missing:fee_points" not in stats
    assert verdict({**stats, "pointexit/pages": 1}, expected_min_items=0) == ("ok", None)

    stats, kept = through_validation([ExitItem(fee_text=" ", **base)])
    assert (kept[0]["fee_points"], kept[0]["problems"]) == (None, ["missing:fee_points"])


def test_a_fee_from_an_amount_flags_the_exit_not_the_run():
    # Moppy's 「150P～」 was stored as a fee of 150 P. It is flagged, the exit
    # is not stored, and the site's other exits are: one exit whose fee is
    # known only from below is no missing column (missing:fee_points would
    # fail every Moppy crawl, and store none of its exits).
    from spiders.items import ExitItem

    base = dict(site="moppy", label="楽天ポイント", rate_text="500P → 500ポイント",
                source_url="https://pc.moppy.jp/exchange/", seen_at="2026-11-23T09:00:00+09:00")
    stats, kept = through_validation(
        [ExitItem(fee_text="150P～（交換額により異なります）", **base)]
        + [ExitItem(fee_text="無料", **dict(base, label=f"ドットマネー{n}")) for n in range(9)])
    assert [(i["fee_points"], i["problems"]) for i in kept[:2]] == [
        (None, ["unparsed:fee_text"]), (0, [])]
    assert (stats["pointexit/invalid/unparsed:fee_text"], stats["pointexit/valid_exits"]) == (1, 9)
    assert "pointexit/invalid/missing:fee_points" not in stats
    assert verdict({**stats, "pointexit/pages": 1}, expected_min_items=0) == ("ok", None)


def test_a_count_a_month_beside_a_daily_cap_flags_the_exit():
    # 「月1回まで」 was dropped: the daily cap read, so nothing looked unread, and
    # the exit was stored as open to 2,000 pt every day.
    stats, kept = lifemedia_caps("1日2,000ptまで、月1回まで", "1日2,000ptまで、1日1回まで",
                                 "1ヶ月30,000ptまで")
    assert [(i["daily_cap_points"], i["monthly_cap_points"], i["daily_exchanges"], i["problems"])
            for i in kept] == [(2000, None, None, ["unparsed:cap_text"]),
                               (2000, None, 1, []), (None, 30_000, None, [])]
    assert (stats["pointexit/invalid/unparsed:cap_text"], stats["pointexit/valid_exits"]) == (1, 2)


def test_a_bare_months_points_are_its_monthly_cap():
    # 「月10,000ptまで」 was unread (flagged), the exit shown without its cap.
    _, kept = lifemedia_caps("月10,000ptまで", "1日1回、月最大10,000ptまで")
    assert [(i["daily_cap_points"], i["monthly_cap_points"], i["daily_exchanges"], i["problems"])
            for i in kept] == [(None, 10_000, None, []), (None, 10_000, 1, [])]


def test_the_first_of_every_month_is_no_daily_cap():
    # 「毎月1日に1,000pt付与」 was stored as 1,000 pt a day, 「毎月1日1回」 as one
    # exchange a day: neither is a cap a day, and the figures are left unread.
    _, kept = lifemedia_caps("毎月1日に1,000pt付与", "毎月1日1回")
    assert [(i["daily_cap_points"], i["monthly_cap_points"], i["daily_exchanges"], i["problems"])
            for i in kept] == [(None, None, None, ["unparsed:cap_text"])] * 2


def test_once_on_the_first_of_the_month_beside_a_daily_cap_flags_the_exit():
    # 「毎月1日1回」 is one exchange a month, which no field holds: beside a
    # daily cap that reads, the exit looked open to 2,000 pt every day.
    _, kept = lifemedia_caps("1日2,000ptまで、毎月1日1回")
    assert [(i["daily_cap_points"], i["daily_exchanges"], i["problems"]) for i in kept] == [
        (2000, None, ["unparsed:cap_text"])]


def test_a_cap_over_twelve_months_is_unread_not_a_months():
    # 「12ヶ月に2回」 was taken for a count a month (the 月 of ヶ月). It is
    # none: unread, and still flagged beside a daily count that reads.
    _, kept = lifemedia_caps("12ヶ月に2回", "1日1回、12ヶ月に2回まで", "11ヶ月30,000ptまで")
    assert [(i["monthly_cap_points"], i["daily_exchanges"], i["problems"]) for i in kept] == [
        (None, None, ["unparsed:cap_text"]), (None, 1, ["unparsed:cap_text"]),
        (None, None, ["unparsed:cap_text"])]


def test_a_figure_with_malformed_grouping_is_flagged_not_read():
    # 「1,5万pt以上」 was a minimum of 150,000 pt, 「1,5000pt単位」 a step of 1,500.
    from spiders.items import ExitItem

    base = dict(site="lifemedia", label="Amazonギフトコード", rate_text="500P → 500円",
                source_url="https://lifemedia.jp/exchange/", seen_at="2026-11-23T09:00:00+09:00")
    stats, kept = through_validation([ExitItem(minimum_text="1,5万pt以上", **base),
                                      ExitItem(step_text="1,5000pt単位", **base),
                                      ExitItem(minimum_text="1.5万pt以上", **base)])
    assert [(i["minimum_points"], i["step_points"], i["problems"]) for i in kept] == [
        (None, None, ["unparsed:minimum_text"]), (None, None, ["unparsed:step_text"]),
        (15_000, None, [])]
    assert stats["pointexit/valid_exits"] == 1


def moppy_campaign_caps(*cap_texts):
    """Moppy's dot money campaign with each cap text, through validation: (stats, kept)."""
    from spiders.items import CampaignItem

    base = dict(site="moppy", destination="dotmoney", title="ドットマネー交換10%増量",
                bonus_text="10%増量", window_text="2026/11/01～2026/11/30",
                source_url="https://pc.moppy.jp/exchange/", seen_at="2026-11-23T09:00:00+09:00")
    return through_validation([CampaignItem(key=f"dotmoney:{n}", cap_text=t, **base)
                               for n, t in enumerate(cap_texts)])


def test_a_campaign_cap_is_no_award_nor_count_of_months():
    # 「毎月1,000pt付与」 was stored as a cap of 1,000 pt, 「12ヶ月に2回」 as one of
    # 12: the campaign is flagged, not stored with a cap it does not have.
    # A cap over months beside a figure that reads is a cap read in part.
    stats, kept = moppy_campaign_caps("毎月1,000pt付与", "12ヶ月に2回",
                                      "12ヶ月に2回、1回10,000Pまで",
                                      "増量上限：お一人様10,000Pの交換まで")
    assert [(i["cap_points"], i["problems"]) for i in kept] == [
        (None, ["unparsed:cap_text"]), (None, ["unparsed:cap_text"]),
        (10_000, ["unparsed:cap_text"]), (10_000, [])]
    assert (stats["pointexit/invalid/unparsed:cap_text"], stats["pointexit/invalid_listings"]) == (3, 3)


def test_people_first_come_or_a_date_in_the_caps_place_is_no_unread_cap():
    # 「先着1,000名様まで」 limits who gets the campaign, not the points of
    # each exchange: it was flagged unparsed:cap_text, so a site wording its
    # campaign box that way had every run degraded (nothing stored). It reads
    # no cap and marks the campaign first come; a date alone caps nothing.
    stats, kept = moppy_campaign_caps("先着1,000名様まで", "2026/11/30 23:59まで",
                                      "先着1,000名様、お一人様10,000Pまで")
    assert [(i["cap_points"], i["first_come"], i["problems"]) for i in kept] == [
        (None, True, []), (None, False, []), (10_000, True, [])]
    assert stats.get("pointexit/invalid_listings", 0) == 0


def test_a_campaign_cap_a_day_is_flagged_not_read_as_the_campaigns():
    # 「1日2,000ptまで」 was stored as a cap of 2,000 pt over the whole campaign
    # (no field holds a day's); beside a cap over the campaign (or a count a
    # day beside it) the cap reads, and the campaign is flagged as read in part.
    stats, kept = moppy_campaign_caps("お一人様1日2,000ptまで", "1日1回まで",
                                      "1日1回、お一人様10,000Pまで",
                                      "1日2,000Pまで、お一人様10,000Pまで",
                                      "11月1日～11月30日、お一人様10,000Pまで")
    assert [(i["cap_points"], i["problems"]) for i in kept] == [
        (None, ["unparsed:cap_text"]), (None, ["unparsed:cap_text"]),
        (10_000, ["unparsed:cap_text"]), (10_000, ["unparsed:cap_text"]), (10_000, [])]
    assert (stats["pointexit/invalid/unparsed:cap_text"], stats["pointexit/invalid_listings"]) == (4, 4)


def test_a_campaign_cap_a_month_is_its_cap_only_within_one_calendar_month():
    # 「1ヶ月30,000ptまで」 replaced the campaign's cap (points of exchange over
    # the whole campaign): on a campaign from 11/16 to 12/15 that is 30,000 pt
    # in each of two months, not 30,000 pt in all. Only a window inside one
    # calendar month (Asia/Tokyo) makes the two the same; spanning months, or
    # with a start or end unknown, the cap is unread and flagged.
    from spiders.items import CampaignItem

    base = dict(site="moppy", destination="dotmoney", title="ドットマネー交換10%増量",
                bonus_text="10%増量", source_url="https://pc.moppy.jp/exchange/",
                seen_at="2026-11-23T09:00:00+09:00")
    month = "1ヶ月30,000ptまで"
    stats, kept = through_validation([
        CampaignItem(key="a", cap_text=month, window_text="2026/11/01～2026/11/30", **base),
        CampaignItem(key="b", cap_text=month, window_text="2026/11/16～2026/12/15", **base),
        CampaignItem(key="c", cap_text=month, window_text="2026/11/01～2027/11/30", **base),
        CampaignItem(key="d", cap_text=month, window_text="2026/11/30まで", **base),
        CampaignItem(key="e", cap_text=month, **base),
        CampaignItem(key="f", cap_text="お一人様10,000ptまで、1ヶ月30,000ptまで",
                     window_text="2026/11/01～2026/11/30", **base)])
    assert [(i["cap_points"], i["problems"]) for i in kept] == [
        (30_000, []), (None, ["unparsed:cap_text"]), (None, ["unparsed:cap_text"]),
        (None, ["unparsed:cap_text"]), (None, ["unparsed:cap_text"]), (10_000, [])]
    assert stats["pointexit/invalid/unparsed:cap_text"] == 4


def test_a_campaign_cap_a_month_in_yen_or_units_out_is_a_cap_a_month():
    # 「1ヶ月5,000円分まで」 read as a cap over the whole campaign (4,900 pt at
    # Hapitas's 490pt → 500円) on a campaign from 11/16 to 12/15: the caps a
    # month were read without the exit's unit and rate, so a month's cap in
    # yen (or マネー) was none and the one-calendar-month check was skipped.
    from spiders.items import CampaignItem

    def campaign(key, destination, rate_text, cap_text, window_text):
        return CampaignItem(key=key, site="hapitas", destination=destination, title="交換10%増量",
                            bonus_text="10%増量", cap_text=cap_text, window_text=window_text,
                            exit_rate_texts=(rate_text,), source_url="https://hapitas.jp/exchange/",
                            seen_at="2026-11-23T09:00:00+09:00")

    gift, money = ("amazon_gift", "490pt → 500円分"), ("dotmoney", "300pt → 300マネー")
    stats, kept = through_validation([
        campaign("a", *gift, "1ヶ月5,000円分まで", "2026/11/16～2026/12/15"),
        campaign("b", *gift, "1ヶ月5,000円分まで", "2026/11/01～2026/11/30"),
        campaign("c", *money, "1ヶ月10,000マネーまで", "2026/11/16～2026/12/15"),
        campaign("d", *gift, "お一人様3,000円分まで、1ヶ月5,000円分まで", "2026/11/01～2026/11/30")])
    assert [(i["cap_points"], i["problems"]) for i in kept] == [
        (None, ["unparsed:cap_text"]), (4_900, []), (None, ["unparsed:cap_text"]), (2_940, [])]
    assert stats["pointexit/invalid/unparsed:cap_text"] == 2


def test_a_campaign_cap_read_in_part_is_flagged_as_an_exits_is():
    # 「お一人様3,000ptまで、1ヶ月5,000マイルまで」 on an Amazon-gift campaign was
    # stored with a cap of 3,000 pt and the month's cap (マイル, not what the
    # exit pays out) silently dropped; an exit's cap read so in part is
    # flagged. A cap a month in yen without a rate to read it by is likewise
    # unread; where every cap reads, nothing is flagged.
    from spiders.items import CampaignItem

    def campaign(key, rate_texts, cap_text):
        return CampaignItem(key=key, site="hapitas", destination="amazon_gift", title="交換10%増量",
                            bonus_text="10%増量", cap_text=cap_text, window_text="2026/11/01～2026/11/30",
                            exit_rate_texts=rate_texts, source_url="https://hapitas.jp/exchange/",
                            seen_at="2026-11-23T09:00:00+09:00")

    rate = ("490pt → 500円分",)
    stats, kept = through_validation([
        campaign("a", rate, "お一人様3,000ptまで、1ヶ月5,000マイルまで"),
        campaign("b", (), "お一人様3,000ptまで、1ヶ月5,000円分まで"),
        campaign("c", rate, "お一人様3,000ptまで、1ヶ月5,000ptまで"),
        campaign("d", rate, "お一人様3,000ptまで"),
        # The month's yen were taken for the person's cap written a second way:
        # the two disagreed by the rate, the cap read None and the month's
        # 4,900 pt became the cap (more than the page allows). Within one
        # month the smaller of the two is the campaign's.
        campaign("e", rate, "お一人様3,000ptまで、1ヶ月5,000円分まで"),
        campaign("f", rate, "お一人様10,000ptまで、1ヶ月5,000円分まで")])
    assert [(i["cap_points"], i["problems"]) for i in kept] == [
        (3_000, ["unparsed:cap_text"]), (3_000, ["unparsed:cap_text"]), (3_000, []), (3_000, []),
        (3_000, []), (4_900, [])]
    assert (stats["pointexit/invalid/unparsed:cap_text"], stats["pointexit/invalid_listings"],
            stats["pointexit/valid_items"]) == (2, 2, 4)


def test_a_campaign_cap_in_units_out_reads_only_by_one_rate_of_its_exit():
    # 「5,000円分まで」 was a cap of 5,000 points on any site: yen of gift at
    # Hapitas's 490pt → 500円 are 4,900 pt of exchange. Without the exit's rate
    # (no exit to the destination on the page) or with two rates that disagree,
    # the cap is unread and flagged, not taken as points.
    from spiders.items import CampaignItem

    base = dict(site="hapitas", destination="amazon_gift", title="Amazonギフト増量",
                bonus_text="2%増量", cap_text="お一人様5,000円分まで",
                source_url="https://hapitas.jp/exchange/", seen_at="2026-11-23T09:00:00+09:00")
    stats, kept = through_validation([
        CampaignItem(key="a", exit_rate_texts=("490pt → 500円",), **base),
        CampaignItem(key="b", exit_rate_texts=("490pt → 500円", "980pt → 1,000円"), **base),
        CampaignItem(key="c", **base),
        CampaignItem(key="d", exit_rate_texts=("490pt → 500円", "500pt → 500円"), **base),
        CampaignItem(key="e", exit_rate_texts=("不明",), **base)])
    assert [(i["cap_points"], i["problems"]) for i in kept] == [
        (4_900, []), (4_900, []), (None, ["unparsed:cap_text"]), (None, ["unparsed:cap_text"]),
        (None, ["unparsed:cap_text"])]
    assert stats["pointexit/invalid/unparsed:cap_text"] == 3


def test_a_campaign_cap_in_pt_or_no_unit_reads_as_site_points_only_where_both_readings_agree():
    # 「お一人様10,000ptまで」 on PointIncome's Rakuten campaign was 10,000 of its
    # points (¥1,000); as Rakuten points it is 100,000 (¥10,000): flagged, as
    # is a figure without a unit whose two readings differ. Where both give
    # the same points (Moppy, ¥1 a point, 500P → 500 WAON), it reads.
    from spiders.items import CampaignItem

    def campaign(key, site, destination, cap_text, rate_text):
        return CampaignItem(key=key, site=site, destination=destination, title="増量",
                            bonus_text="5%増量", cap_text=cap_text,
                            window_text="2026/11/01～2026/11/30", exit_rate_texts=(rate_text,),
                            source_url="https://example.jp/exchange/",
                            seen_at="2026-11-23T09:00:00+09:00")

    stats, kept = through_validation([
        campaign("a", "pointincome", "rakuten_point", "お一人様10,000ptまで", "1,000pt → 100ポイント"),
        campaign("b", "pointincome", "amazon_gift", "お一人様上限10,000まで", "5,000pt → 500円"),
        campaign("c", "pointincome", "amazon_gift", "お一人様100,000ptまで", "5,000pt → 500円"),
        campaign("d", "moppy", "waon", "お一人様10,000Pまで", "500P → 500ポイント"),
        campaign("e", "moppy", "amazon_gift", "お一人様上限10,000まで", "500P → 500円分")])
    assert [(i["cap_points"], i["problems"]) for i in kept] == [
        (None, ["unparsed:cap_text"]), (None, ["unparsed:cap_text"]), (100_000, []),
        (10_000, []), (10_000, [])]
    assert stats["pointexit/invalid/unparsed:cap_text"] == 2


def test_a_campaign_cap_stated_both_ways_is_flagged_where_the_exits_rate_disagrees():
    # 「20,000マネー（20,000ちょびポイント）」 was stored as 20,000 ちょびポイント
    # although the page's own exit (1,000 → 500) makes 20,000 マネー cost 40,000.
    from spiders.items import CampaignItem

    base = dict(site="chobirich", destination="dotmoney", title="ドットマネー交換増量",
                bonus_text="10%増量", window_text="2026/11/01～2026/11/30",
                exit_rate_texts=("1,000ちょびポイント→500マネー",),
                source_url="https://www.chobirich.com/exchange/dotmoney/money/info/",
                seen_at="2026-11-23T09:00:00+09:00")
    stats, kept = through_validation([
        CampaignItem(key="a", cap_text="お一人様20,000マネー（40,000ちょびポイント）の交換分まで", **base),
        CampaignItem(key="b", cap_text="お一人様20,000マネー（20,000ちょびポイント）の交換分まで", **base)])
    assert [(i["cap_points"], i["problems"]) for i in kept] == [
        (40_000, []), (None, ["unparsed:cap_text"])]
    assert stats["pointexit/invalid/unparsed:cap_text"] == 1


def test_an_exit_cap_in_yen_or_units_out_is_site_points_by_the_exits_rate():
    # 「1日5,000円分まで」 on PointIncome (10 pt = ¥1) was unread, or beside a
    # cap that read, dropped unflagged; 「1,000円分」 as a largest exchange was
    # 1,000 pt. An exit's caps are site points: yen or the exit's units become
    # the points its own rate spends, rounded down; pt where the exit pays pt
    # too, or yen on an exit paying マネー, is unread and flagged. A cap over
    # all the site's exits (cap_scope "site") counts no one exit's units.
    from spiders.items import ExitItem

    def exit_(site, label, rate_text, cap_text=None, max_text=None, cap_scope=None):
        return ExitItem(site=site, label=label, rate_text=rate_text, cap_text=cap_text,
                        max_text=max_text, fee_text="無料", source_url="https://example.jp/exchange/",
                        seen_at="2026-11-23T09:00:00+09:00",
                        **({"cap_scope": cap_scope} if cap_scope else {}))

    stats, kept = through_validation([
        exit_("pointincome", "Amazonギフトカード", "5,000pt → 500円", "1日5,000円分まで"),
        exit_("chobirich", "ドットマネー", "1,000ちょびポイント→500マネー", "月10,000マネーまで"),
        exit_("hapitas", "Amazonギフトカード", "490pt → 500円分", "1日2,000ptまで、1ヶ月30,000円分まで"),
        exit_("pointincome", "楽天ポイント", "1,000pt → 100ポイント", "1日10,000ptまで"),
        exit_("pointincome", "ドットマネー", "10pt → 1マネー", "1日10,000ptまで、1ヶ月5,000円分まで"),
        exit_("hapitas", "楽天ポイント", "130pt → 100ポイント", "1ヶ月あたり全交換先合計30,000ptまで",
              cap_scope="site"),
        exit_("pointincome", "Amazonギフトカード 1,000円分", "10,000pt → 1,000円", max_text="1,000円分")])
    assert [(i["daily_cap_points"], i["monthly_cap_points"], i["max_points"], i["problems"])
            for i in kept] == [
        (50_000, None, None, []), (None, 20_000, None, []), (2_000, 29_400, None, []),
        (None, None, None, ["unparsed:cap_text"]), (10_000, None, None, ["unparsed:cap_text"]),
        (None, 30_000, None, []), (None, None, 10_000, [])]
    assert stats["pointexit/invalid/unparsed:cap_text"] == 2


def test_an_exit_minimum_and_step_in_yen_or_units_out_are_site_points_by_the_exits_rate():
    # 「1,000円分から」, 「500円単位」 on PointIncome (10 pt = ¥1) were 1,000 and
    # 500 pt: tenfold low. A minimum becomes the fewest points that reach it;
    # a step the points it is exactly, else it is unread and flagged, as is
    # yen on an exit paying マネー.
    from spiders.items import ExitItem

    def exit_(site, label, rate_text, minimum_text, step_text):
        return ExitItem(site=site, label=label, rate_text=rate_text, minimum_text=minimum_text,
                        step_text=step_text, fee_text="無料", source_url="https://example.jp/exchange/",
                        seen_at="2026-11-23T09:00:00+09:00")

    stats, kept = through_validation([
        exit_("pointincome", "Amazonギフトカード", "10pt → 1円", "1,000円分から", "500円単位"),
        exit_("hapitas", "Amazonギフトカード", "490pt → 500円分", "999円分から", "500円単位"),
        exit_("hapitas", "Amazonギフトカード", "490pt → 500円分", "490pt", "1円単位"),
        exit_("pointincome", "ドットマネー", "10pt → 1マネー", "1,000円分から", "1,000pt単位"),
        exit_("hapitas", "楽天ポイント", "130pt → 100ポイント", "390pt", "130pt単位")])
    assert [(i["minimum_points"], i["step_points"], i["problems"]) for i in kept] == [
        (10_000, 5_000, []), (980, 490, []), (490, None, ["unparsed:step_text"]),
        (None, 1_000, ["unparsed:minimum_text"]), (390, 130, [])]
    assert stats["pointexit/invalid/unparsed:step_text"] == 1
    assert stats["pointexit/invalid/unparsed:minimum_text"] == 1


def test_two_campaigns_under_one_key_are_flagged_not_stored_in_turns():
    # Storage keeps one history per (site, key): two campaigns under one key
    # took turns in it. The same campaign shown on two pages is no problem.
    from spiders.items import CampaignItem

    base = dict(site="moppy", key="campaign/202611", title="交換増量キャンペーン",
                window_text="2026/11/01～2026/11/30", seen_at="2026-11-23T09:00:00+09:00")
    dotmoney = dict(base, destination="dotmoney", bonus_text="10%増量",
                    source_url="https://pc.moppy.jp/exchange/")
    stats, kept = through_validation([
        CampaignItem(**dotmoney),
        CampaignItem(**dict(dotmoney, source_url="https://pc.moppy.jp/exchange/point/")),
        CampaignItem(**dict(dotmoney, destination="pex")),
        CampaignItem(**dict(dotmoney, bonus_text="5%増量")),
        CampaignItem(**dict(dotmoney, site="chobirich"))])
    assert [i["problems"] for i in kept] == [[], [], ["duplicate:key"], ["duplicate:key"], []]
    assert (stats["pointexit/invalid/duplicate:key"], stats["pointexit/invalid_listings"]) == (2, 2)
    assert verdict({**stats, "pointexit/pages": 1}, expected_min_items=0) == (
        "degraded", "invalid_listing")


def test_two_routing_offers_under_one_key_are_flagged_not_stored_in_turns():
    # Routing offers keep one history per (site, key) too: two under one key
    # (another store, another rate) took turns in it as campaigns did.
    from spiders.items import CampaignItem, RoutingOfferItem

    amazon = dict(site="hapitas", key="shopping/amazon", store="amazon", title="Amazon",
                  reward_text="購入金額の1%", source_url="https://hapitas.jp/shopping/",
                  seen_at="2026-11-23T09:00:00+09:00")
    stats, kept = through_validation([
        RoutingOfferItem(**amazon),
        RoutingOfferItem(**dict(amazon, source_url="https://hapitas.jp/shopping/2")),
        RoutingOfferItem(**dict(amazon, store="rakuten")),
        RoutingOfferItem(**dict(amazon, reward_text="購入金額の0.5%")),
        RoutingOfferItem(**dict(amazon, site="moppy")),
        # A campaign is stored apart: its key may be an offer's.
        CampaignItem(site="hapitas", key="shopping/amazon", destination="amazon_gift",
                     title="Amazonギフト増量", bonus_text="5%増量",
                     source_url="https://hapitas.jp/exchange/",
                     seen_at="2026-11-23T09:00:00+09:00")])
    assert [i["problems"] for i in kept] == [[], [], ["duplicate:key"], ["duplicate:key"], [], []]
    assert (stats["pointexit/invalid/duplicate:key"], stats["pointexit/invalid_listings"]) == (2, 2)
    assert verdict({**stats, "pointexit/pages": 1}, expected_min_items=0) == (
        "degraded", "invalid_listing")


@pytest.mark.parametrize("href, key", [
    ("/exchange/dotmoney/campaign/202611/", "exchange/dotmoney/campaign/202611"),
    ("https://pc.moppy.jp/cp/?id=7", "cp?id=7"),
    (None, "pex:交換増量キャンペーン"), ("#campaign", "pex:交換増量キャンペーン"),
    ("javascript:void(0)", "pex:交換増量キャンペーン"),
])
def test_a_campaign_without_a_page_of_its_own_is_keyed_by_destination_and_title(href, key):
    # The title alone is shared by campaigns on several exits at once.
    from spiders.base import campaign_key

    assert campaign_key(href, "交換増量キャンペーン", "pex") == key


class TestValidatePipelineCounts:
    """The counts the rules read come from the real validate pipeline."""

    @pytest.fixture
    def counted(self):
        from spiders.items import ExitItem

        base = dict(site="hapitas", label="Amazonギフトカード", minimum_text="490pt",
                    step_text="490pt単位", source_url="https://hapitas.jp/exchange/",
                    seen_at="2026-11-23T09:00:00+09:00")
        items = [ExitItem(rate_text="490pt → 500円分", **base),
                 ExitItem(rate_text="お問い合わせください", **base),
                 ExitItem(rate_text="300pt → 300円", lag_text="そのうち",
                          **{**base, "label": "銀行振込"})]
        return through_validation(items)

    def test_nothing_is_dropped(self, counted):
        _, kept = counted
        assert len(kept) == 3
        assert [i["problems"] for i in kept] == [
            [], ["missing:points_in", "missing:value_out"], ["unparsed:lag_text"]]

    def test_counts(self, counted):
        stats, _ = counted
        assert {k: v for k, v in stats.items() if k.startswith("pointexit/")} == {
            "pointexit/items": 3, "pointexit/valid_items": 1, "pointexit/invalid_items": 2,
            "pointexit/exits": 3, "pointexit/valid_exits": 1,
            "pointexit/unparsed_rewards": 1,
            "pointexit/invalid/missing:points_in": 1, "pointexit/invalid/missing:value_out": 1,
            "pointexit/invalid/unparsed:lag_text": 1,
        }

    def test_verdict_of_those_counts(self, counted):
        stats, _ = counted
        stats = {**stats, "pointexit/pages": 1}
        assert verdict(stats, expected_min_items=3) == ("degraded", "missing_fields")
        assert parse_rate_bp(stats) == 6_666


class TestWhatAPageIs:
    """The base spider's page checks, on real responses."""

    @staticmethod
    def response(body: bytes):
        from scrapy.http import HtmlResponse

        return HtmlResponse(url="https://hapitas.jp/exchange/", body=body, encoding="utf-8")

    @pytest.mark.parametrize("body", [
        b"", b"  \n", b"<html><head><title></title></head><body>\n  </body></html>",
        b"<html><body><script>var a = 'loading';</script><style>p{}</style></body></html>",
    ])
    def test_empty_pages(self, body):
        from spiders.base import is_empty_page

        assert is_empty_page(self.response(body))

    def test_recorded_pages_are_not_empty_and_only_the_login_wall_asks_to_log_in(self):
        from pointexit.recorded import RECORDED
        from spiders.base import is_empty_page, is_login_wall
        from tests.conftest import FILES

        member = self.response((RECORDED / "hapitas/exchange/index.html").read_bytes())
        wall = self.response((FILES / "login_wall/hapitas/exchange/index.html").read_bytes())
        assert not is_empty_page(member) and not is_empty_page(wall)
        assert (is_login_wall(member), is_login_wall(wall)) == (False, True)


class TestLargestExchange:
    """A largest single exchange (`max_text`) is read like the other amounts;
    one below the minimum would allow no exchange at all: flagged and counted."""

    @pytest.fixture
    def counted(self):
        from spiders.items import ExitItem

        base = dict(site="pointincome", label="Amazonギフトカード 500円分", rate_text="5,000pt → 500円",
                    minimum_text="5,000pt", source_url="https://pointi.jp/exchange/",
                    seen_at="2026-11-23T09:00:00+09:00")
        items = [ExitItem(max_text="5,000pt", **base), ExitItem(max_text="4,990ptまで", **base),
                 ExitItem(max_text="0pt", **base), ExitItem(**base)]
        return through_validation(items)

    def test_parsed_and_flagged(self, counted):
        _, kept = counted
        assert [(i["max_points"], i["problems"]) for i in kept] == [
            (5_000, []), (4_990, ["max_below_minimum"]),
            (0, ["not_positive:max_points", "max_below_minimum"]), (None, [])]

    def test_counted(self, counted):
        stats, _ = counted
        assert (stats["pointexit/invalid_items"], stats["pointexit/valid_items"]) == (2, 2)
        assert stats["pointexit/invalid/max_below_minimum"] == 2
        assert stats["pointexit/invalid/not_positive:max_points"] == 1


def test_a_redirect_to_another_host_is_named():
    stats = run({"errors/offsite_redirect": 1, "redirect_host": "accounts.example.jp"},
                pages=0, items=0, valid_items=0, download_errors=1)
    assert judge_run(stats, 5).reason == (
        "redirected: ページが別のホスト (accounts.example.jp) へ転送されました "
        "(ログインが必要になったか、サイトが移転した可能性があります)")
    assert verdict(stats) == ("failed", "redirected")
    # One page of several: the others' items stand, the run is degraded.
    stats = run({"errors/offsite_redirect": 1}, pages=3, download_errors=1)
    assert judge_run(stats, 5).reason == (
        "pages_failed: 4ページ中1ページを読めませんでした (別のホストへ転送)")


def test_a_discount_of_the_whole_amount_is_flagged():
    from spiders.items import CampaignItem

    def campaign(bonus_text):
        # One key each: three campaigns of one run under one key are flagged as such.
        return CampaignItem(site="hapitas", key=f"amazon:{bonus_text}", destination="amazon_gift",
                            title="Amazon割引",
                            bonus_text=bonus_text, source_url="https://hapitas.jp/", seen_at="2026-11-23T09:00:00+09:00")

    _, kept = through_validation([campaign("100%割引"), campaign("10%割引"), campaign("100%増量")])
    assert [i["problems"] for i in kept] == [["too_large:bonus_bp"], [], []]


class TestFiguresThatGaveNoNumber:
    """A minimum, step, limit or cap the page shows with a figure that no
    number came from (「1億5千万pt以上」, 「3ヶ月30,000ptまで」) is flagged and counted:
    left empty, the exit would read as having none."""

    @pytest.fixture
    def counted(self):
        from spiders.items import CampaignItem, ExitItem

        base = dict(site="hapitas", label="Amazonギフトカード", rate_text="490pt → 500円分",
                    fee_text="無料", lag_text="3営業日以内",
                    source_url="https://hapitas.jp/exchange/",
                    seen_at="2026-11-23T09:00:00+09:00")
        items = [ExitItem(minimum_text="1億5千万pt以上", **base),
                 ExitItem(step_text="1億5千万pt単位", **base),
                 ExitItem(max_text="1億5千万ptまで", **base),
                 ExitItem(cap_text="3ヶ月30,000ptまで", **base),
                 # yen of this exit's gift: 29,400 pt by its 490pt → 500円 (was unread)
                 ExitItem(cap_text="1ヶ月につき30,000円分まで", **base),
                 ExitItem(minimum_text="なし", cap_text="上限なし", **base),
                 ExitItem(cap_text="1ヶ月あたり30,000ptまで", **base),
                 CampaignItem(site="hapitas", key="amazon", destination="amazon_gift",
                              title="Amazon 2%増量", bonus_text="2%増量",
                              cap_text="お一人様1億5千万ポイントまで",
                              source_url=base["source_url"], seen_at=base["seen_at"])]
        return through_validation(items)

    def test_flagged(self, counted):
        _, kept = counted
        assert [i["problems"] for i in kept] == [
            ["unparsed:minimum_text"], ["unparsed:step_text"], ["unparsed:max_text"],
            ["unparsed:cap_text"], [], [], [], ["unparsed:cap_text"]]
        assert kept[4]["monthly_cap_points"] == 29_400

    def test_counted(self, counted):
        stats, _ = counted
        assert stats["pointexit/invalid/unparsed:cap_text"] == 2
        assert stats["pointexit/invalid_items"] == 5


def test_a_pipeline_that_raised_on_an_item_is_degraded():
    """Scrapy logs a pipeline's exception and drops the item: an ok run would
    make it look gone (a campaign, ended)."""
    stats = run({"pipeline_errors": 2, "pipeline_errors/KeyError": 1,
                 "pipeline_errors/ValueError": 1})
    assert judge_run(stats, 5).reason == (
        "pipeline_error: 項目の処理中にエラーが2件発生しました (KeyError, ValueError) "
        "(その項目が消えたと誤認しないよう、この巡回の値は保存していません)")
    assert verdict(stats) == ("degraded", "pipeline_error")


def test_a_spider_that_raised_on_a_page_is_degraded():
    """Scrapy logs a callback's exception and carries on: what the page had
    after it was never read, and an ok run would make it look gone."""
    stats = {**GOOD, "spider_exceptions/count": 1, "spider_exceptions/KeyError": 1}
    assert verdict(stats) == ("degraded", "spider_error")
    assert judge_run(stats, 5).reason == (
        "spider_error: ページの読み取り中にエラーが1件発生しました (KeyError) "
        "(ページの残りは読めていません)")
    # A shopping listing expects no items: a crash before any is not "no offer".
    assert verdict({**stats, "pointexit/items": 0, "pointexit/valid_items": 0},
                   expected_min_items=0) == ("degraded", "spider_error")


def test_a_pipeline_that_raised_on_every_item_fails_naming_the_error():
    """A pipeline before ValidatePipeline that raises on each item leaves no
    item counted: the page was read, so "the layout changed" would mislead."""
    stats = run({"pipeline_errors": 8, "pipeline_errors/KeyError": 8}, items=0, valid_items=0)
    assert verdict(stats) == ("failed", "pipeline_error")
    assert judge_run(stats, 5).reason == (
        "pipeline_error: 項目の処理中にエラーが8件発生しました (KeyError) "
        "(項目を1件も処理できず、この巡回の値は保存していません)")


def test_a_spider_that_raised_on_its_only_page_fails_naming_the_error():
    stats = {**GOOD, "pointexit/items": 0, "pointexit/valid_items": 0,
             "spider_exceptions/count": 1, "spider_exceptions/KeyError": 1}
    assert verdict(stats) == ("failed", "spider_error")
    assert judge_run(stats, 5).reason == (
        "spider_error: ページの読み取り中にエラーが1件発生しました (KeyError) "
        "(項目を1件も読めていません)")
