"""Parsing rules for the sites' wording, each with the exact values it must give."""

from datetime import datetime
from fractions import Fraction

import pytest

from pointexit.clock import JST
from spiders import parsing

# --- one cell holding minimum and step (Chobirich 交換単位) ---


@pytest.mark.parametrize("text, expected", [
    ("1,000ちょびポイント以上1,000ちょびポイント単位",
     ("1,000ちょびポイント以上", "1,000ちょびポイント単位")),
    ("500P以上、100P単位", ("500P以上", "100P単位")),
    ("1,000ポイントから500ポイント単位", ("1,000ポイントから", "500ポイント単位")),
    ("500P単位", (None, "500P単位")),
    ("500P以上", ("500P以上", None)),
    ("", (None, None)),
])
def test_split_minimum_step(text, expected):
    assert parsing.split_minimum_step(text) == expected


def test_split_minimum_step_feeds_parse_int():
    minimum, step = parsing.split_minimum_step("3,000ちょびポイント以上1,000ちょびポイント単位")
    assert (parsing.parse_int(minimum), parsing.parse_int(step)) == (3000, 1000)


# --- the point value a site states (for ⚠ point values) ---


@pytest.mark.parametrize("text, expected", [
    ("1ポイント＝1円相当", Fraction(1)),
    ("※1pt=1円として交換できます", Fraction(1)),
    ("10ポイント＝1円", Fraction(1, 10)),
    ("1pt=0.1円", Fraction(1, 10)),
    ("2ちょびポイント＝1円", Fraction(1, 2)),
    ("保有ポイント 12,345pt（1pt＝1円）", Fraction(1)),
    ("1,000ちょびポイント→500マネー", None),
    ("0pt=1円", None),
    ("", None),
])
def test_parse_point_value(text, expected):
    assert parsing.parse_point_value(text) == expected


# --- first come, first served ---


@pytest.mark.parametrize("text, expected", [
    ("【先着順】Amazonギフトカード交換 3%増量", True),
    ("先着5,000名様", True),
    ("予算上限に達し次第終了となります", True),
    ("増量分がなくなり次第終了", True),
    ("先着順ではありません。期間中はどなたでも対象です。", False),
    ("期間中はどなたでも対象です", False),
    ("", False),
])
def test_is_first_come(text, expected):
    assert parsing.is_first_come(text) is expected


# --- campaign windows whose end date omits the year ---


def test_window_end_without_year_takes_the_start_year():
    assert parsing.parse_window("2026年11月1日(日)0:00～11月30日(月)23:59") == (
        datetime(2026, 11, 1, 0, 0, tzinfo=JST), datetime(2026, 11, 30, 23, 59, tzinfo=JST))


def test_window_end_without_year_across_new_year():
    assert parsing.parse_window("2026年12月15日(火)10:00～1月15日(金)") == (
        datetime(2026, 12, 15, 10, 0, tzinfo=JST), datetime(2027, 1, 15, 23, 59, 59, tzinfo=JST))


def test_window_slashes_end_without_year():
    assert parsing.parse_window("2026/11/16 12:00 ～ 11/30 23:59") == (
        datetime(2026, 11, 16, 12, 0, tzinfo=JST), datetime(2026, 11, 30, 23, 59, tzinfo=JST))


def test_window_with_dots_and_full_years():
    assert parsing.parse_window("2026.11.16(月) 12:00 ～ 2026.11.30(月) 23:59") == (
        datetime(2026, 11, 16, 12, 0, tzinfo=JST), datetime(2026, 11, 30, 23, 59, tzinfo=JST))


def test_window_impossible_yearless_end_is_unread():
    assert parsing.parse_window("2026年11月1日～13月40日") == (
        datetime(2026, 11, 1, tzinfo=JST), None)


# --- wording of Chobirich, Lifemedia, Warau, dot money, PeX ---


@pytest.mark.parametrize("text, expected", [
    ("0円", (0, "pt")),
    ("300ちょびポイント", (300, "pt")),
    ("月1回まで無料", (0, "pt")),
    ("手数料無料", (0, "pt")),
    ("100pt", (100, "pt")),
])
def test_fee_wording(text, expected):
    assert parsing.parse_fee(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("4～10営業日後", (4, 10)),
    ("4~10営業日後", (4, 10)),
    ("リアルタイム", (0, 0)),
    ("即時", (0, 0)),
    ("3～5営業日", (3, 5)),
    ("3営業日以内", (0, 3)),
    ("4営業日以内", (0, 4)),
    ("翌営業日", (1, 1)),
])
def test_lag_wording(text, expected):
    assert parsing.parse_lag(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("1,000ちょびポイント→500マネー", (1000, 500)),
    ("1,000ちょびポイント→500円", (1000, 500)),
    ("297マネー → 300円分", (297, 300)),
    ("1,000pt → 1,020 マネー", (1000, 1020)),
    ("990ポイント → 100円分", (990, 100)),
    ("500P → 5,000PeXポイント", (500, 5000)),
])
def test_rate_wording(text, expected):
    assert parsing.parse_rate(text) == expected


def test_daily_cap_per_gift_code():
    assert parsing.parse_caps("※ギフトコードへの交換は1日あたり2,000Pまでです。") == {
        "daily_cap_points": 2000}


@pytest.mark.parametrize("text, expected", [
    ("最低交換：1,000pt～", 1000),
    ("お一人様あたり交換額20,000マネーまで", 20000),
])
def test_amounts_in_new_wording(text, expected):
    assert parsing.parse_int(text) == expected


@pytest.mark.parametrize("label, expected", [
    ("楽天銀行", "bank"),
    ("各金融機関", "bank"),
    ("銀行振込（その他の金融機関）", "bank"),
    ("ドットマネー", "dotmoney"),
    ("PeX", "pex"),
    ("Amazonギフトカード（ギフトコード）", "amazon_gift"),
    ("WAONポイント", "waon"),
])
def test_destination_labels(label, expected):
    assert parsing.destination_for(label) == expected


@pytest.mark.parametrize("text, expected", [
    ("交換目安：3営業日以内", "3営業日以内"),
    ("最低交換：300pt～", "300pt~"),
    ("手数料: 無料", "無料"),
    ("300pt → 300 マネー", "300pt → 300 マネー"),
    ("10:00~23:59", "10:00~23:59"),
    ("", None),
])
def test_value_after_label(text, expected):
    assert parsing.value_after_label(text) == expected


# --- rates with a decimal side (ポイントタウン 19.6Pt＝1円): exact integers ---


@pytest.mark.parametrize("text, expected", [
    ("19.6Pt＝1円", (196, 10)),
    ("1,960Pt → 100円", (1_960, 100)),
    ("1pt=0.1円", (10, 1)),
    ("1.25pt→1.5円", (125, 150)),
    ("1,960.5pt→1円", (19_605, 10)),
])
def test_parse_rate_scales_decimals_exactly(text, expected):
    assert parsing.parse_rate(text) == expected


@pytest.mark.parametrize("text", ["0.0pt→1円", "1pt→0円", "1.0000001pt→1円"])
def test_parse_rate_rejects_zero_and_absurd_precision(text):
    assert parsing.parse_rate(text) is None


# --- a fee given as a share of the points ---


@pytest.mark.parametrize("text, expected", [
    ("交換ポイントの10％ （交換レートに含まれます）", (0, "pt")),  # げん玉: already in the rate
    ("手数料10%（レートに反映済み）", (0, "pt")),
    ("交換ポイントの10%", None),  # no fixed amount: unreadable, not "10 pt"
    ("5%", None),
])
def test_parse_fee_percent(text, expected):
    assert parsing.parse_fee(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("1,000ポイント（1回の交換につき）", (1_000, "pt")),  # ECナビ: the per-exchange count is not the fee
    ("165円", (165, "yen")),
])
def test_parse_fee_amount_first(text, expected):
    assert parsing.parse_fee(text) == expected


# --- crediting lags ---


@pytest.mark.parametrize("text, expected", [
    ("翌々営業日", (2, 2)),
    ("翌営業日（日曜・祝日を除く）", (1, 1)),
    ("当日～翌営業日", (0, 1)),
    ("即時", (0, 0)),
])
def test_parse_lag_new_wordings(text, expected):
    assert parsing.parse_lag(text) == expected


# --- one exchange a day ---


def test_parse_caps_one_exchange_a_day():
    assert parsing.parse_caps("交換申請は全交換先合わせて1日1回までとなります。") == {"daily_exchanges": 1}


# --- the bank named in a label ---


@pytest.mark.parametrize("label, bank", [
    ("銀行振込（ゆうちょ銀行）", "ゆうちょ銀行"),
    ("銀行振込（その他の金融機関）", "その他の金融機関"),
    ("銀行振込（GMOあおぞらネット銀行）", "GMOあおぞらネット銀行"),
    ("Amazonギフトカード（Eメールタイプ）", ""),
    ("PayPayポイント", ""),
    (None, ""),
])
def test_bank_in_label(label, bank):
    assert parsing.bank_in_label(label) == bank


@pytest.mark.parametrize("lag_text, counts", [
    ("翌営業日(日曜・祝日を除く)", True),  # PointIncome's 交換予定日
    ("翌営業日（日曜・祝日を除く）", True),  # as the page writes it, before normalizing
    ("交換予定日は土日祝日・年末年始を除いた日数です。", False),  # Pointtown
    ("4～10営業日後（土日祝祭日、休業日を除く）", False),  # LifeMedia
    ("3営業日以内", False),  # names no days: Monday to Friday
    ("翌々営業日", False),
    ("リアルタイム", False),
    (None, False),
])
def test_which_lag_wordings_count_saturday(lag_text, counts):
    from pointexit.market import lag_counts_saturday

    assert lag_counts_saturday(lag_text) is counts


# --- a campaign's cap, in the points the exchange spends ---


@pytest.mark.parametrize("text, site, expected", [
    # ちょびリッチ states both: the cap counts its own points, not the マネー they become.
    ("お一人様20,000マネー（40,000ちょびポイント）の交換分まで", "chobirich", 40_000),
    ("増量対象：お一人様10,000マネーの交換まで", "dotmoney", 10_000),  # マネー are dot money's points
    ("増量上限：お一人様10,000Pの交換まで", "moppy", 10_000),
    ("お一人様1回10,000Pまで", "moppy", 10_000),  # a count is not the cap
    # Only マネー, and no rate to turn them into ちょびポイント: unread (was
    # 20,000, half the 40,000 ちょびポイント 20,000 マネー cost at 1,000 → 500).
    ("お一人様20,000マネーまで", "chobirich", None),
    ("5,000円分まで", "hapitas", None),  # yen of what, at which rate: unread
    # No unit: site points or what the exit pays out? Without the exit's
    # unit and rate to show both readings agree, unread (was 10,000).
    ("お一人様上限10,000まで", "moppy", None),
    (None, "chobirich", None),
])
def test_parse_cap_points_in_the_sites_own_points(text, site, expected):
    assert parsing.parse_cap_points(text, site) == expected


# A cap in the destination's units (ちょびリッチ 「20,000マネーまで」) or in yen of
# a yen destination (「5,000円分まで」) becomes the points the exchange spends,
# by the rate of the destination's exit: out × points_in / value_out, rounded
# down (a cap never allows more than the page says). Another unit, or yen on
# a destination not paid in yen, is unread.
@pytest.mark.parametrize("text, site, out_unit, rate, expected", [
    ("お一人様20,000マネーまで", "chobirich", "マネー", (1000, 500), 40_000),
    ("お一人様20,000マネー（40,000ちょびポイント）の交換分まで", "chobirich", "マネー", (1000, 500),
     40_000),
    ("5,000円分まで", "hapitas", "円", (490, 500), 4_900),
    ("上限999円分まで", "hapitas", "円", (490, 500), 979),  # 979.02: down
    ("上限1,000円まで", "chobirich", "円", (1000, 500), 2_000),
    ("お一人様10,000円分まで", "dotmoney", "円", (297, 300), 9_900),
    ("お一人様20,000マネーまで", "chobirich", "マネー", None, None),  # no rate
    ("5,000円分まで", "moppy", "マネー", (1, 1), None),  # yen, but マネー come out
    ("お一人様20,000マネーまで", "chobirich", "円", (1000, 500), None),  # not the exit's unit
    ("5,000PeXポイントまで", "chobirich", "マネー", (1000, 500), None),
    ("お一人様10,000Pまで", "moppy", "マネー", (1, 1), 10_000),  # the site's points: as read
])
def test_parse_cap_points_turns_units_out_into_points_by_the_exits_rate(text, site, out_unit,
                                                                        rate, expected):
    assert parsing.parse_cap_points(text, site, out_unit=out_unit, rate=rate) == expected


# A figure without a unit, or in pt where the exit pays out pt too (楽天 / d /
# PayPay / WAON points, PeX's), may count the site's points or what the exit
# pays out: at 10 pt = ¥1 the two differ tenfold. It reads as the site's
# points only when both readings, by the exit's rate, are the same points.
@pytest.mark.parametrize("text, site, out_unit, rate, expected", [
    ("お一人様上限10,000まで", "moppy", "円", (500, 500), 10_000),  # ¥1 a point, 1:1
    ("お一人様上限10,000まで", "pointincome", "円", (5_000, 500), None),  # or 100,000 pt
    ("お一人様上限10,000まで", "hapitas", "円", (490, 500), None),  # or 9,800 pt
    ("お一人様上限10,000まで", "moppy", "円", None, None),  # no rate to tell
    ("お一人様上限10,000まで", "chobirich", "マネー", (1_000, 500), None),  # or 20,000 P
    ("お一人様10,000Pまで", "moppy", "pt", (500, 500), 10_000),
    ("お一人様10,000ptまで", "pointincome", "pt", (1_000, 100), None),  # or 100,000 pt
    ("お一人様10,000ポイントまで", "gendama", "pt", (1_000, 100), None),
    ("お一人様10,000ptまで", "hapitas", "pt", (130, 100), None),  # or 13,000 pt
    ("お一人様10,000ptまで", "pointincome", "pt", None, None),
    ("お一人様10,000ptまで", "ecnavi", "PeXポイント", (1_000, 1_000), 10_000),
    ("お一人様10,000ptまで", "gendama", "PeXポイント", (1_000, 900), None),
    # pt where the exit pays yen or マネー, or the site's points by name: as read.
    ("お一人様100,000ptまで", "pointincome", "円", (5_000, 500), 100_000),
    ("お一人様10,000ptまで", "pointincome", "マネー", (1_000, 100), 10_000),
    ("お一人様40,000ちょびポイントまで", "chobirich", "pt", (2, 1), 40_000),
    ("お一人様10,000PeXポイントまで", "pex", "pt", (10, 1), 10_000),
])
def test_parse_cap_points_reads_a_unit_shared_with_the_exit_only_where_both_readings_agree(
        text, site, out_unit, rate, expected):
    assert parsing.parse_cap_points(text, site, out_unit=out_unit, rate=rate) == expected


# A cap stated both ways (「20,000マネー（40,000ちょびポイント）」) is the site's
# points where the exit's rate turns the one into the other (to the point,
# either way rounded); where it does not, one of the two is wrong: unread.
@pytest.mark.parametrize("text, site, out_unit, rate, expected", [
    ("お一人様20,000マネー（40,000ちょびポイント）の交換分まで", "chobirich", "マネー", (1_000, 500),
     40_000),
    ("お一人様20,000マネー（20,000ちょびポイント）の交換分まで", "chobirich", "マネー", (1_000, 500),
     None),  # was 20,000: 20,000 マネー cost 40,000 ちょびポイント
    ("お一人様40,000ちょびポイント（20,000マネー）まで", "chobirich", "マネー", (1_000, 500), 40_000),
    ("お一人様40,000ちょびポイント（40,000マネー）まで", "chobirich", "マネー", (1_000, 500), None),
    ("お一人様5,000円分（4,900pt）まで", "hapitas", "円", (490, 500), 4_900),
    ("お一人様5,000円分（5,000pt）まで", "hapitas", "円", (490, 500), None),  # 5,000円 are 4,900 pt
    ("上限999円分（979pt）まで", "hapitas", "円", (490, 500), 979),  # 979.02 pt
    ("上限999円分（980pt）まで", "hapitas", "円", (490, 500), 980),  # rounded up: still agrees
    # No rate to check by, or a unit the exit does not pay: the site's points, as read.
    ("お一人様20,000マネー（20,000ちょびポイント）の交換分まで", "chobirich", "マネー", None, 20_000),
    ("お一人様10,000P（10,000円相当）まで", "moppy", "マネー", (1, 1), 10_000),
])
def test_parse_cap_points_stated_both_ways_reads_only_where_the_exits_rate_agrees(
        text, site, out_unit, rate, expected):
    assert parsing.parse_cap_points(text, site, out_unit=out_unit, rate=rate) == expected


# An exit's cap (a day's, a month's) is stored in the site's points, like a
# campaign's: a figure in yen or in what the exit pays out becomes the points
# the exit's own rate spends on it, rounded down; pt where the exit pays pt
# too, or no unit, reads only where both readings agree; else the cap is
# unread (None: validation flags unparsed:cap_text).
@pytest.mark.parametrize("text, site, out_unit, rate, expected", [
    ("1日5,000円分まで", "pointincome", "円", (5_000, 500), {"daily_cap_points": 50_000}),  # was 5,000
    ("1日5,000円分まで", "hapitas", "円", (490, 500), {"daily_cap_points": 4_900}),
    ("1日999円分まで", "hapitas", "円", (490, 500), {"daily_cap_points": 979}),  # 979.02: down
    ("月10,000マネーまで", "chobirich", "マネー", (1_000, 500), {"monthly_cap_points": 20_000}),
    ("1ヶ月10,000マネーまで", "pointincome", "マネー", (10, 1), {"monthly_cap_points": 100_000}),
    ("月40,000ちょびポイントまで", "chobirich", "マネー", (1_000, 500), {"monthly_cap_points": 40_000}),
    ("1日2,000ptまで、1ヶ月30,000円分まで", "hapitas", "円", (490, 500),
     {"monthly_cap_points": 29_400, "daily_cap_points": 2_000}),
    # Yen of what, or at which rate: unread.
    ("1日5,000円分まで", "pointincome", "マネー", (10, 1), {"daily_cap_points": None}),
    ("1日5,000円分まで", "pointincome", "円", None, {"daily_cap_points": None}),
    ("1ヶ月5,000マイルまで", "hapitas", None, None, {"monthly_cap_points": None}),
    # pt where the exit pays pt too, and no unit: only where both readings agree.
    ("1日10,000ptまで", "pointincome", "pt", (1_000, 100), {"daily_cap_points": None}),
    ("1日10,000ptまで", "hapitas", "pt", (130, 100), {"daily_cap_points": None}),
    ("1日10,000Pまで", "moppy", "pt", (500, 500), {"daily_cap_points": 10_000}),
    ("1ヶ月30,000まで", "pointincome", "円", (5_000, 500), {"monthly_cap_points": None}),
    ("1ヶ月30,000まで", "moppy", "円", (500, 500), {"monthly_cap_points": 30_000}),
    # pt where the exit pays yen, or with no exit named: the site's points, as read.
    ("1日10,000ptまで", "pointincome", "円", (5_000, 500), {"daily_cap_points": 10_000}),
    ("1ヶ月あたり全交換先合計30,000ptまで", "hapitas", None, None, {"monthly_cap_points": 30_000}),
    ("1日1回、1ヶ月3,000ptまで", "pointincome", "pt", (1, 1),
     {"daily_exchanges": 1, "monthly_cap_points": 3_000}),
])
def test_parse_caps_turns_yen_and_units_out_into_points_by_the_exits_rate(
        text, site, out_unit, rate, expected):
    assert parsing.parse_caps(text, site, out_unit=out_unit, rate=rate) == expected


@pytest.mark.parametrize("text, site, out_unit, rate, expected", [
    ("10,000pt", "pointincome", "円", (10_000, 1_000), 10_000),
    ("1,000円分", "pointincome", "円", (10_000, 1_000), 10_000),  # was 1,000
    ("1,000円分", "pointincome", "マネー", (10, 1), None),
    ("10,000", "pointincome", "円", (10_000, 1_000), None),  # 10,000 pt or 100,000 pt
    ("10,000ptまで", "pointincome", "pt", (1_000, 100), None),
])
def test_parse_max_points_reads_a_largest_exchange_like_a_cap(text, site, out_unit, rate, expected):
    assert parsing.parse_max_points(text, site, out_unit=out_unit, rate=rate) == expected


# An exit's minimum and step are site points too: a figure in yen or in what
# the exit pays out becomes points by the exit's own rate. A minimum rounds
# up (the fewest points that reach it); a step must be a whole number of
# points, else it is unread (None: validation flags unparsed:step_text).
# pt, the site's own unit or none (the 最低交換pt / 交換単位 columns) read as written.
@pytest.mark.parametrize("text, site, out_unit, rate, expected", [
    ("1,000円分から", "pointincome", "円", (10, 1), 10_000),  # was 1,000
    ("1,000円分から", "hapitas", "円", (490, 500), 980),
    ("999円分から", "hapitas", "円", (490, 500), 980),  # 979.02: up, 979 would not reach it
    ("500マネーから", "chobirich", "マネー", (1_000, 500), 1_000),
    ("3,000PeXポイント以上", "hapitas", "PeXポイント", (300, 3_000), 300),
    ("100円分から", "pointtown", "円", (196, 10), 1_960),
    ("1,000円分から", "pointincome", "マネー", (10, 1), None),  # yen of what
    ("1,000円分から", "pointincome", "円", None, None),
    ("390pt", "hapitas", "pt", (130, 100), 390),  # the site's pt, as read
    ("2,000Pt", "pointtown", "PeXポイント", (2_000, 1_000), 2_000),
    ("1,000ちょびポイント以上", "chobirich", "マネー", (1_000, 500), 1_000),
    ("297マネー", "dotmoney", "円", (297, 300), 297),
    ("5,000", "pointincome", "円", (10, 1), 5_000),
])
def test_parse_minimum_points_turns_yen_and_units_out_into_points_rounded_up(
        text, site, out_unit, rate, expected):
    assert parsing.parse_minimum_points(text, site, out_unit=out_unit, rate=rate) == expected


@pytest.mark.parametrize("text, site, out_unit, rate, expected", [
    ("500円単位", "pointincome", "円", (10, 1), 5_000),  # was 500
    ("500円単位", "hapitas", "円", (490, 500), 490),
    ("100円単位", "hapitas", "円", (490, 500), 98),
    ("1円単位", "hapitas", "円", (490, 500), None),  # 0.98 pt: no step of points
    ("1,000PeXポイント単位", "hapitas", "PeXポイント", (300, 3_000), 100),
    ("500マネー単位", "chobirich", "マネー", (1_000, 500), 1_000),
    ("500円単位", "pointincome", "マネー", (10, 1), None),
    ("130pt単位", "hapitas", "pt", (130, 100), 130),
    ("2ちょびポイント単位", "chobirich", "円", (1_000, 500), 2),
])
def test_parse_step_points_turns_yen_and_units_out_into_points_only_when_exact(
        text, site, out_unit, rate, expected):
    assert parsing.parse_step_points(text, site, out_unit=out_unit, rate=rate) == expected


# A campaign's cap is a figure the text caps with (上限, まで): points given
# (付与 / 進呈 / プレゼント), a count of months, times or people are no cap.
@pytest.mark.parametrize("text, site, expected", [
    ("毎月1,000pt付与", "hapitas", None),  # was 1,000: an award, not a cap
    ("毎月1,000P進呈", "moppy", None),
    ("100ptプレゼント", "hapitas", None),
    ("12ヶ月に2回", "hapitas", None),  # was 12: months and times, no amount
    ("12ヶ月に2回まで", "hapitas", None),
    ("先着1,000名様まで", "moppy", None),  # people, not points
    ("先着1,000人", "moppy", None),
    ("2026/11/30まで", "moppy", None),  # a date's year is no cap
    ("11月30日 23:59まで", "moppy", None),
    ("お一人様10,000P", "moppy", None),  # no word makes it a cap
    ("毎月1,000pt付与、上限10,000ptまで", "hapitas", 10_000),
    ("先着1,000名様、お一人様5,000Pまで", "moppy", 5_000),
    ("12ヶ月に2回、1回10,000Pまで", "moppy", 10_000),
    ("上限10,000ptを付与", "hapitas", None),
    ("お一人様上限10,000まで", "moppy", None),  # no unit, no exit to tell which: unread
])
def test_parse_cap_points_reads_only_a_cap(text, site, expected):
    assert parsing.parse_cap_points(text, site) == expected


# No field holds a campaign's cap a day: 「1日2,000ptまで」 is no cap over the
# campaign (it was read as one), and beside one it is not that cap.
@pytest.mark.parametrize("text, expected", [
    ("お一人様1日2,000ptまで", None),
    ("1日あたり上限2,000Pまで", None),
    ("1日2,000Pまで、お一人様10,000Pまで", 10_000),
    ("お一人様10,000Pまで(1日2,000Pまで)", 10_000),
    ("1日1回、お一人様10,000Pまで", 10_000),
    ("11月1日～11月30日、お一人様10,000Pまで", 10_000),  # a date's day
])
def test_parse_cap_points_reads_no_days_cap(text, expected):
    assert parsing.parse_cap_points(text, "moppy") == expected


@pytest.mark.parametrize("text, expected", [
    ("お一人様1日2,000ptまで", True),
    ("1日あたり上限2,000円分まで", True),
    ("1日1回まで", True),
    ("1日につき1回、お一人様10,000Pまで", True),
    ("毎日1回まで", True),
    ("一日2,000マネーまで", True),
    ("お一人様10,000Pまで", False),
    ("11月1日～11月30日、お一人様10,000Pまで", False),
    ("2026年12月1日 10:00まで", False),
    ("毎月1日1回", False),  # once a month, on the 1st
    ("21日2,000Pまで", False),
    (None, False),
])
def test_names_a_days_cap(text, expected):
    assert parsing.names_daily_cap(text) is expected


# --- a fee given as a range: the most it can be, in the unit the range names ---


@pytest.mark.parametrize("text, expected", [
    ("100～300円", (300, "yen")),  # the unit after the range is both ends' unit
    ("100〜300円", (300, "yen")),
    ("100円～300円", (300, "yen")),
    ("５０～１００ｐｔ", (100, "pt")),
    ("1,000pt〜2,000pt（金融機関により異なります）", (2_000, "pt")),
])
def test_parse_fee_range_is_its_most(text, expected):
    assert parsing.parse_fee(text) == expected


# A fee from some amount up (モッピー 楽天ポイント 「150P～」) is only its least:
# read as the fee, every larger exchange would cost more than planned.
@pytest.mark.parametrize("text, expected", [
    ("150P～（交換額により異なります）", None),  # was (150, "pt")
    ("150P〜", None),
    ("１５０Ｐ～", None),
    ("150pt以上", None),
    ("150ポイントから", None),
    ("～150P", (150, "pt")),  # up to 150 P: at worst 150, as a range's upper end
    ("100～300円", (300, "yen")),
    ("150P", (150, "pt")),
    ("1,000ポイント（1回の交換につき）", (1_000, "pt")),
    ("無料", (0, "pt")),
    (None, None),
])
def test_a_fee_from_an_amount_is_unread(text, expected):
    assert parsing.parse_fee(text) == expected


# --- caps in the other usual spellings ---


@pytest.mark.parametrize("text, expected", [
    ("ポイント交換は1ヵ月あたり全交換先合計30,000ptまで", {"monthly_cap_points": 30_000}),
    ("1ケ月30,000ptまで", {"monthly_cap_points": 30_000}),
    ("1ヶ月あたり全交換先合計30,000ptまで", {"monthly_cap_points": 30_000}),
    ("交換申請は1日につき1回までです", {"daily_exchanges": 1}),
    ("交換は1日あたり2回まで", {"daily_exchanges": 2}),
    ("１日１回まで", {"daily_exchanges": 1}),
])
def test_parse_caps_other_spellings(text, expected):
    assert parsing.parse_caps(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("2026年12月1日〜12月31日 1回まで", {}),  # a date's 日 is not 1日 (a day)
    ("12月1日〜12月31日まで 2,000ptまで", {}),
    ("12 月 1 日 1回限り", {}),
    ("〜12月21日 1回まで", {}),
    ("2026年12月1日〜12月31日 1日1回まで", {"daily_exchanges": 1}),
    ("12月1日〜31日、1日2,000ptまで", {"daily_cap_points": 2_000}),
    ("1日1回まで", {"daily_exchanges": 1}),
    ("1日2,000ptまで", {"daily_cap_points": 2_000}),
])
def test_parse_caps_reads_no_day_from_a_date(text, expected):
    assert parsing.parse_caps(text) == expected


# Cap wording once misread: a month's points unread, a date or a grant read as
# a day's cap, a span of months read as one month.
@pytest.mark.parametrize("text, expected", [
    ("月10,000ptまで", {"monthly_cap_points": 10_000}),  # was unread: only 1ヶ月 / 月間 / 毎月
    ("月最大10,000ptまで", {"monthly_cap_points": 10_000}),
    ("1日1回、月10,000ptまで", {"daily_exchanges": 1, "monthly_cap_points": 10_000}),
    ("月1万ptまで", {"monthly_cap_points": 10_000}),
    ("12月10,000ptまで", {}),  # December, not a month
    ("12 月10,000ptまで", {}),
    ("翌月10,000pt", {}),
    ("3ヶ月10,000ptまで", {}),  # three months are not one
    ("毎月1日に1,000pt付与", {}),  # was a day's cap of 1,000 pt: the 1st, and a grant
    ("毎月1日1回", {}),  # was once a day: the 1st of each month is no day's cap
    ("毎月 1 日 1 回まで", {}),
    ("毎月1,000pt付与", {}),  # was a month's cap: points given are no cap
    ("1日100ptプレゼント", {}),
    ("毎月1日〜末日、1日2,000ptまで", {"daily_cap_points": 2_000}),
    ("12ヶ月に2回", {}),
    ("11ヶ月30,000ptまで", {}),  # was a month's cap: the 1ヶ月 of 11ヶ月
])
def test_parse_caps_month_and_day_wording(text, expected):
    assert parsing.parse_caps(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("即日", (0, 0)),  # same day, as 当日 and 即時
    ("即日反映", (0, 0)),
    ("即日～翌営業日", (0, 1)),
])
def test_parse_lag_same_day_wording(text, expected):
    assert parsing.parse_lag(text) == expected


# --- figures written with 万 / 千: written out, never their first digit ---


@pytest.mark.parametrize("parse, text, expected", [
    (parsing.parse_rate, "1万pt → 10,200円分", (10_000, 10_200)),  # not 1pt → 10,200円
    (parsing.parse_rate, "1万5,000pt → 1万5,000円", (15_000, 15_000)),
    (parsing.parse_rate, "5千pt→500円", (5_000, 500)),
    (parsing.parse_int, "1万pt以上", 10_000),  # not a minimum of 1
    (parsing.parse_int, "１万ポイント", 10_000),
    (parsing.parse_int, "1.5万pt", 15_000),
    (parsing.parse_int, "2万5千円", 25_000),
    (parsing.parse_cap_points, "お一人様1万ポイントまで", 10_000),
    # Unreadable rather than wrong: units out of order, a tail as large as the
    # last unit, part of a point, 千万.
    (parsing.parse_int, "3万2万pt", None),
    (parsing.parse_int, "1万10000pt", None),
    (parsing.parse_int, "1.23456万pt", None),
    (parsing.parse_int, "1千万円", None),
    # 百 after the figure: 「1千5百pt」 is 1,500, never 1,005 (the 5 read as a tail).
    (parsing.parse_int, "1千5百pt以上", None),
    (parsing.parse_int, "2万3千4百円", None),
])
def test_figures_in_man_and_sen_are_written_out_not_read_as_their_first_digit(parse, text, expected):
    assert parse(text) == expected


# A comma not followed by exactly three digits is no digit grouping: the
# figure is unread, never a number made of its digits (「1,5万」 was 150,000).
@pytest.mark.parametrize("parse, text, expected", [
    (parsing.parse_int, "1,5万pt", None),
    (parsing.parse_int, "1,5000pt", None),  # was 1,500
    (parsing.parse_int, "1,50pt以上", None),  # was 1
    (parsing.parse_int, "1000,000pt", None),  # was 1,000
    (parsing.parse_int, "1,5万5,000pt", None),  # no part of it reads either
    (parsing.parse_int, "1万1,5000pt", None),
    (parsing.parse_rate, "1,5万pt → 15,000円", None),
    (parsing.parse_rate, "1,000pt → 1,0000円", None),
    (parsing.parse_fee, "1,50円", None),
    (parsing.parse_caps, "1ヶ月1,5万ptまで", {}),
    (parsing.parse_cap_points, "お一人様1,5万Pまで", None),
    # Well grouped and 万-style figures read as before.
    (parsing.parse_int, "1.5万pt", 15_000),
    (parsing.parse_int, "1,500pt", 1_500),
    (parsing.parse_int, "10,000pt", 10_000),
    (parsing.parse_int, "1,000,000pt", 1_000_000),
    (parsing.parse_int, "1万5,000pt", 15_000),
    (parsing.parse_rate, "1,000ちょびポイント→500マネー", (1_000, 500)),
    (parsing.parse_caps, "1日1回、1ヶ月3,000ptまで", {"daily_exchanges": 1, "monthly_cap_points": 3_000}),
])
def test_malformed_digit_grouping_is_unread(parse, text, expected):
    assert parse(text) == expected


# --- a lag that names calendar days or months: unread, never its shorter part ---


@pytest.mark.parametrize("text", [
    "即日～最大45日",  # not (0, 0): up to 45 days
    "3営業日～1ヶ月",  # not (3, 3)
    "リアルタイム（混雑時は最大2週間）",
    "即時～翌月末",
    "3営業日以内（月末は5日程度）",
])
def test_parse_lag_with_calendar_spans_is_unread(text):
    assert parsing.parse_lag(text) is None


@pytest.mark.parametrize("text, expected", [
    ("最短即日〜3営業日", (0, 3)),  # was (3, 3): the short end is in words
    ("即日～3営業日", (0, 3)),
    ("最大3営業日", (0, 3)),
    ("最短翌日〜5営業日", (1, 5)),
    ("翌営業日～5営業日", (1, 5)),
])
def test_parse_lag_with_its_short_end_in_words(text, expected):
    assert parsing.parse_lag(text) == expected


def test_parse_lag_days_of_the_week_are_not_a_span():
    assert parsing.parse_lag("4~10営業日後(土日祝祭日、休業日を除く)") == (4, 10)
    assert parsing.parse_lag("3営業日以内(12月29日～1月3日を除く)") == (0, 3)  # dates, not a span
    assert parsing.parse_lag("翌営業日(日曜・祝日を除く)") == (1, 1)


# --- a fee that is free only sometimes: unread, never "free" ---


@pytest.mark.parametrize("text", [
    "初回無料、2回目以降100円",
    "1回100円（月1回無料）",
    "無料（一部有料）",
    "手数料なし（2回目からは50pt）",
    "初回無料",  # free the first time only: the fee after it is not given
    "初回のみ手数料無料",
])
def test_parse_fee_free_only_sometimes_is_unread(text):
    assert parsing.parse_fee(text) is None


@pytest.mark.parametrize("text", ["無料", "月1回まで無料", "0円", "手数料なし", "不要"])
def test_parse_fee_free_stays_free(text):
    assert parsing.parse_fee(text) == (0, "pt")


# --- a minimum written 「150P～」 ("from 150 P") ---


@pytest.mark.parametrize("text", ["150P～", "150P〜", "150P~", "最低交換：150P～"])
def test_a_minimum_with_a_trailing_tilde_is_that_minimum(text):
    # The tilde opens a span with no end: the minimum, not a range or a step.
    assert parsing.split_minimum_step(text) == (parsing.clean(text), None)
    assert parsing.parse_int(text) == 150


# --- an exchange count a month: no field holds it ---


@pytest.mark.parametrize("text, names", [
    ("1日2,000ptまで、月1回まで", True),
    ("１ヵ月につき１回まで", True),
    ("1ヶ月に2回まで", True),
    ("毎月1回", True),
    ("月間3回まで", True),
    ("1日1回、月最大5回まで", True),  # the daily count read, the month's was dropped
    ("1日1回、月間上限5回", True),
    ("1ヶ月最大30回", True),
    ("月最大10,000ptまで", False),
    ("12月1回目の交換", False),  # a date, not a month
    ("12 月1回目の交換", False),  # spaces do not make it a count
    ("交換は12　月 1回目", False),
    ("1日1回、 月最大5回まで", True),  # a space after other words is no date
    (" 月1回まで", True),
    ("1日1回まで", False),
    ("1ヶ月30,000ptまで", False),
    ("毎月1日1回", True),  # once a month, on the 1st (was read as once a day)
    ("毎月1日に1回まで", True),
    ("毎月1日に1,000pt付与", False),
    ("12ヶ月に2回", False),  # twice in 12 months: not a month's count
    ("12ヶ月に2回まで", False),
    ("3か月に1回", False),
    (None, False),
])
def test_names_monthly_exchanges(text, names):
    assert parsing.names_monthly_exchanges(text) is names


@pytest.mark.parametrize("text, names", [
    ("12ヶ月に2回", True),
    ("1日1回、12ヶ月に2回まで", True),
    ("3ヶ月30,000ptまで", True),
    ("11ヶ月に1回", True),
    ("1ヶ月に2回まで", False),  # one month: names_monthly_exchanges
    ("6ヶ月後の月末まで", False),  # no cap
    ("1日1回まで", False),
    (None, False),
])
def test_names_several_months(text, names):
    assert parsing.names_several_months(text) is names
