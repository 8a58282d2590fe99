"""Parsing rules for the sites' wording, each with the exact values it must give."""

import pytest

from spiders import parsing

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
    ("150P～（交換額により異なります）", (150, "pt")),  # モッピー 楽天ポイント: the fee from 150P
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


# --- first come ---


@pytest.mark.parametrize("text, expected", [("先着5,000名様", True), ("", False), (None, False)])
def test_is_first_come(text, expected):
    assert parsing.is_first_come(text) is expected
