"""Telling an Amazon routing offer apart, on titles and rewards as listings show them."""

from datetime import datetime

import pytest

from pointexit.clock import JST
from spiders import routing
from spiders.routing import NO_REWARD, NOT_ROUTING, OFFER, OTHER_STORE, UNREADABLE, classify

# (title, reward as shown, expected kind, scope, rate in basis points)
OFFERS = [
    ("Amazon（ファッション）", "購入金額の1%", "ファッション", 100),
    ("【ファッション】Amazon.co.jp（アマゾン）", "1%", "ファッション", 100),
    ("Amazonファッション", "1.0%", "ファッション", 100),
    ("Amazon ファッション", "0.5%", "ファッション", 50),
    ("Amazon Fashion", "購入金額の0.8%", "ファッション", 80),
    ("Amazon.co.jp", "購入金額の0.5%", None, 50),
    ("【期間限定】Amazon（ファッション）", "0.5%→1%", "ファッション", 100),
    ("【★高ポイント★】Amazonファッション", "1.5%", "ファッション", 150),
    ("アマゾン（ファッションカテゴリ）", "1%", "ファッションカテゴリ", 100),
    ("Amazon.co.jp（アマゾン）【シューズ＆バッグ】", "0.6%", "シューズ&バッグ", 60),
    ("【THE NORTH FACE】Amazon.co.jp（アマゾン）", "1%", "THE NORTH FACE", 100),
    ("ＡＭＡＺＯＮ（ファッション）", "購入金額の１％", "ファッション", 100),
    ("Amazon（ファッション）", "最大1%", "ファッション", 100),
    ("Amazon.co.jp ファッション", "0.25%", "ファッション", 25),
]

NO_REWARDS = [
    ("Amazon", "購入金額の0％"),
    ("Amazon（ファッション）", "不明"),
    ("Amazon.co.jp", "ポイント対象外"),
    ("【タイムセール】Amazon.co.jp（アマゾン）", ""),
    ("【人気ランキング】Amazon.co.jp（アマゾン）", None),
    ("Amazonファッション", "-"),
    ("Amazon", "0.0%"),
    ("Amazon（ファッション）", "0pt"),
    ("【ふるさと納税】Amazon.co.jp（アマゾン）", "ポイント対象外"),
]

MENTIONS = [
    ("Amazonプライム・ビデオ（30日間無料体験）", "300P"),
    ("Prime Video（プライムビデオ）30日間無料体験", "3,000pt"),
    ("Amazon Music Unlimited 無料体験", "100P"),
    ("【アンケート回答】Amazonギフトカード1,000円分が当たる！", "5P"),
    ("アンケートに答えてアマゾンギフト券プレゼント", "抽選"),
    ("Kindle出版サポート（電子書籍出版代行）", "3,000P"),
    ("Kindle Unlimited（30日間無料体験）", "150pt"),
    ("Audible（オーディブル）無料体験", "1,000pt"),
    ("北欧、暮らしの道具店（Amazon Pay対応）", "2%"),
    ("Amazon Mastercard", "3,000P"),
    ("Amazon.co.jp（プライム会員 30日間無料体験）", "300pt"),
    ("Amazonふるさと納税", "ポイント対象外"),
    ("Amazonギフトカード（チャージタイプ）", "0.5%"),
    ("Amazon（ファッション）", "300pt"),  # fixed points are not a share of the purchase
    ("Amazon（新規会員登録）", "1%"),
]

OTHER_STORES = [
    ("楽天市場", "1.0%"),
    ("Yahoo!ショッピング(ヤフーショッピング)", "0.8%"),
    ("【新規購入】ZOZOTOWN（ゾゾタウン）", "1,000P"),
    ("Rakuten Fashion（楽天ファッション）", "3.9%"),
    ("マルイウェブチャネル", "10.0%"),
    ("AliExpress", "最大14.0%"),
]


@pytest.mark.parametrize("title, reward, scope, rate_bp", OFFERS)
def test_routing_offers(title, reward, scope, rate_bp):
    verdict = classify(title, reward)
    assert (verdict.kind, verdict.scope, verdict.rate_bp) == (OFFER, scope, rate_bp)


@pytest.mark.parametrize("title, reward", NO_REWARDS)
def test_amazon_listed_without_a_reward_is_no_offer(title, reward):
    verdict = classify(title, reward)
    assert verdict.kind == NO_REWARD and verdict.rate_bp is None


@pytest.mark.parametrize("title, reward", MENTIONS)
def test_ads_that_only_mention_amazon_are_not_offers(title, reward):
    assert classify(title, reward).kind == NOT_ROUTING


@pytest.mark.parametrize("title, reward", OTHER_STORES)
def test_other_stores_are_not_amazon(title, reward):
    assert classify(title, reward).kind == OTHER_STORE


def test_enough_cases_both_ways():
    assert len(OFFERS) >= 10 and len(NO_REWARDS) + len(MENTIONS) + len(OTHER_STORES) >= 25


def test_a_shopping_tag_keeps_an_offer():
    assert classify("Amazon（ファッション）", "購入金額の1%", tags=("ショッピング",)).kind == OFFER


def test_a_service_tag_makes_it_not_shopping():
    assert classify("Amazon", "1%", tags=("無料", "サービス")).kind == NOT_ROUTING


def test_conditions_without_a_purchase_are_not_shopping():
    assert classify("Amazon", "1%", conditions="獲得条件:無料会員登録").kind == NOT_ROUTING


def test_conditions_that_mention_gift_cards_alongside_a_purchase_stay_an_offer():
    verdict = classify("Amazon（ファッション）", "1%",
                       conditions="ファッションカテゴリの商品購入（ギフトカードの購入は対象外）")
    assert verdict.kind == OFFER


@pytest.mark.parametrize("reward", ["1.255%", "ハーゲンダッツ2個"])
def test_an_unreadable_reward_on_amazon_is_flagged_not_guessed(reward):
    assert classify("Amazon（ファッション）", reward).kind == UNREADABLE


@pytest.mark.parametrize("scope, fashion", [
    ("ファッション", True), ("ファッションカテゴリ", True), ("シューズ&バッグ", True),
    ("THE NORTH FACE", False), ("タイムセール", False), (None, False),
])
def test_fashion_scope(scope, fashion):
    assert routing.is_fashion(scope) is fashion


# --- extraction, exact values ---------------------------------------------


@pytest.mark.parametrize("text, kind, bp", [
    ("購入金額の1%", "percent", 100),
    ("1.0%", "percent", 100),
    ("0.5％", "percent", 50),
    ("購入金額の1.25%", "percent", 125),
    ("0.5%→1%", "percent", 100),
    ("購入金額の0％", "zero", 0),
    ("ポイント対象外", "zero", 0),
    ("0", "zero", 0),
    ("不明", "unknown", None),
    ("―", "unknown", None),
    ("", "none", None),
    (None, "none", None),
    ("300pt", "fixed", None),
    ("1,000P", "fixed", None),
])
def test_reward_of(text, kind, bp):
    assert routing.reward_of(text) == routing.Reward(kind, bp)


@pytest.mark.parametrize("text, bp", [
    ("1%", 100), ("0.01%", 1), ("12.5%", 1250), ("１００％", 10_000), ("1.255%", None), ("1pt", None),
])
def test_percent_bp_is_exact(text, bp):
    assert routing.percent_bp(text) == bp


@pytest.mark.parametrize("title, expected", [
    ("Amazon", (True, None)),
    ("Amazon.co.jp（アマゾン）", (True, None)),
    ("【期間限定・ポイントアップ】Amazon", (True, None)),
    ("【by Amazon】Amazon.co.jp（アマゾン）", (True, "by Amazon")),
    ("Amazonファッション（服・シューズ）", (True, "ファッション / 服・シューズ")),
    ("Amazonプライム", (False, None)),
    ("楽天市場", (False, None)),
])
def test_amazon_listing_and_scope(title, expected):
    assert routing.amazon_listing(title) == expected


def test_conditions_wording_drops_the_label():
    assert routing.conditions_wording("獲得条件:商品購入") == "商品購入"
    assert routing.conditions_wording("  ") is None


def test_lag_wording_keeps_the_sites_words():
    assert routing.lag_wording("承認期間:約3ヶ月") == "承認期間:約3ヶ月"
    assert routing.lag_wording("ショッピング") is None


@pytest.mark.parametrize("text, window", [
    ("1% ファッション 11/30(月)23:59まで", "11/30(月)23:59まで"),
    ("期間:2026/11/20(金)10:00～2026/11/30(月)23:59 詳細", "2026/11/20(金)10:00~2026/11/30(月)23:59"),
    ("承認期間:約3ヶ月", None),
])
def test_window_wording(text, window):
    assert routing.window_wording(text) == window


SEEN = datetime(2026, 11, 23, 9, 0, tzinfo=JST)


@pytest.mark.parametrize("text, seen, start, end", [
    ("11/30(月)23:59まで", SEEN, None, datetime(2026, 11, 30, 23, 59, tzinfo=JST)),
    ("2026/11/20~2026/11/30", SEEN, datetime(2026, 11, 20, tzinfo=JST),
     datetime(2026, 11, 30, 23, 59, 59, tzinfo=JST)),
    # Seen late in December, 「1/5まで」 is next January.
    ("12/25~1/5", datetime(2026, 12, 26, tzinfo=JST), datetime(2026, 12, 25, tzinfo=JST),
     datetime(2027, 1, 5, 23, 59, 59, tzinfo=JST)),
    # Seen early in January, 「12/25~1/5」 started last December (it was taken
    # for next December: a window ending before it starts, and the item invalid).
    ("12/25~1/5", datetime(2027, 1, 2, 9, 0, tzinfo=JST), datetime(2026, 12, 25, tzinfo=JST),
     datetime(2027, 1, 5, 23, 59, 59, tzinfo=JST)),
    # 「12/31まで」 still listed on 1/2 ended two days ago, not in a year.
    ("12/31(木)23:59まで", datetime(2027, 1, 2, 9, 0, tzinfo=JST), None,
     datetime(2026, 12, 31, 23, 59, tzinfo=JST)),
    # An end never comes before its start.
    ("6/1~6/30", datetime(2026, 12, 26, tzinfo=JST), datetime(2027, 6, 1, tzinfo=JST),
     datetime(2027, 6, 30, 23, 59, 59, tzinfo=JST)),
    ("", SEEN, None, None),
    ("2/30まで", SEEN, None, None),
])
def test_parse_offer_window(text, seen, start, end):
    assert routing.parse_offer_window(text, seen) == (start, end)
