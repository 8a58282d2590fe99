"""Telling an Amazon routing offer apart from everything else on a shopping listing.

A routing offer is cashback for shopping at Amazon itself through a point site
(usually Amazon Fashion, 0.5–1 % of the purchase). Listings are full of things
that only look like one:

- Amazon listed as a shopping ad with no reward at all (「購入金額の0％」,
  「不明」, 「ポイント対象外」, an empty caption): no offer is active;
- ads that merely mention Amazon: video or music free trials paying fixed
  points, surveys and prize draws paying in Amazon gift cards, Kindle
  publishing services, shops that accept Amazon Pay;
- category-scoped Amazon listings (「Amazon（ファッション）」,
  「【ファッション】Amazon.co.jp（アマゾン）」): a real offer, limited to a scope.

Pure functions over the text a listing shows; nothing here reads a page,
the clock or the network. Spiders call `classify`, the normalize pipeline
calls `reward_of` and `parse_offer_window`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from spiders.parsing import clean, numeric_text, parse_window

STORE = "Amazon"

# What a listing can be, as far as Amazon routing offers go.
OFFER = "offer"  # shopping at Amazon, a share of the purchase paid back
NO_REWARD = "no_reward"  # Amazon's own listing, but 0 % / unknown / none
NOT_ROUTING = "not_routing"  # mentions Amazon, is something else
UNREADABLE = "unreadable"  # Amazon's own listing with a reward we cannot read
OTHER_STORE = "other_store"  # nothing to do with Amazon


@dataclass(frozen=True)
class Reward:
    """A listing's reward: kind is percent / zero / unknown / none / fixed / unreadable."""

    kind: str
    rate_bp: int | None = None


@dataclass(frozen=True)
class Verdict:
    kind: str
    reason: str
    scope: str | None = None
    rate_bp: int | None = None

    @property
    def fashion(self) -> bool:
        return is_fashion(self.scope)


# --- the store name -------------------------------------------------------

_BRACKETS = re.compile(r"【([^】]*)】|\(([^)]*)\)|\[([^\]]*)\]|「([^」]*)」|『([^』]*)』|〈([^〉]*)〉|《([^》]*)》")
# Amazon itself, optionally with a scope written into the name
# (「Amazonファッション」, 「Amazon.co.jp ファッション」, 「Amazon Fashion」).
_AMAZON_CORE = re.compile(
    r"^(?:amazon(?:\.co\.jp|\.jp)?|アマゾン)"
    r"(?P<scope>ファッション(?:カテゴリー?)?|fashion)?"
    r"(?:公式(?:サイト|ストア)?|ストア|通販|オンライン)?$"
)
_ALIASES = {"アマゾン", "amazon", "amazon.co.jp", "アマゾンジャパン", "amazonjapan", "amazon.jp"}
# Marketing noise in brackets, never a scope: 【期間限定】, 【★高ポイント★】.
_NOISE_WORD = re.compile(
    r"^(?:期間限定|限定|ポイントアップ中?|ポイントup|pup|高ポイント|高還元|増量中?|キャンペーン中?|"
    r"new|新着|おすすめ|人気|注目|急上昇|pc|pc限定|スマホ|スマホ限定|アプリ|アプリ限定|"
    r"新規購入|初回購入|リピート購入|リピートok|初回限定|pr)$"
)
# Bracket words that turn an Amazon-named ad into something that is not shopping.
_NOT_SHOPPING = re.compile(
    r"無料体験|無料トライアル|トライアル|お試し|アンケート|抽選|当たる|プレゼント|懸賞|出版|"
    r"会員登録|新規登録|申込|申し込み|発行|ギフト(?:券|カード)|music|ミュージック|kindle|"
    r"audible|オーディブル|prime ?video|プライム ?ビデオ|プライム会員"
)
_MENTIONS = re.compile(
    r"amazon|アマゾン|kindle|キンドル|prime ?video|プライム ?ビデオ|audible|オーディブル|alexa|アレクサ"
)
_FASHION = re.compile(r"ファッション|fashion|アパレル|服|シューズ|靴|バッグ|腕時計|ジュエリー")


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", clean(text)).lower()


def _is_noise(bracket: str) -> bool:
    parts = [p for p in re.split(r"[・/,、\s]+", re.sub(r"[★☆!♪◆◇■□※]", " ", bracket.lower())) if p]
    return bool(parts) and all(_NOISE_WORD.match(p) for p in parts)


def amazon_listing(title: str | None) -> tuple[bool, str | None]:
    """Is this ad Amazon's own store, and if so limited to which scope?

    「【ファッション】Amazon.co.jp（アマゾン）」 → (True, "ファッション");
    「Amazon」 → (True, None); 「Amazonプライム」, 「楽天市場」 → (False, None).
    """
    text = clean(title)
    brackets = [next(g for g in m.groups() if g is not None).strip() for m in _BRACKETS.finditer(text)]
    core = _BRACKETS.sub(" ", text)
    m = _AMAZON_CORE.match(re.sub(r"[\s\-|:/・]+", "", core).lower())
    if not m:
        return False, None
    scopes = ["ファッション"] if m.group("scope") else []
    for b in brackets:
        if b and _fold(b) not in _ALIASES and not _is_noise(b):
            scopes.append(b)
    return True, " / ".join(scopes) or None


def mentions_amazon(text: str | None) -> bool:
    return bool(_MENTIONS.search(clean(text).lower()))


def is_fashion(scope: str | None) -> bool:
    return bool(scope and _FASHION.search(scope.lower()))


# --- the reward ----------------------------------------------------------

_ARROWS = re.compile(r"→|⇒|->|➡|⇨")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_FIXED = re.compile(r"(\d[\d,]*)\s*(?:pt|p|ポイント|円|マネー|コイン|マイル)(?![a-z])")


def percent_bp(text: str | None) -> int | None:
    """The first percentage as exact basis points: 「1.0%」 → 100, 「0.25%」 → 25.

    None when there is none, or when it is finer than a basis point (not a
    rate any site shows; more likely a misread).
    """
    m = _PERCENT.search(numeric_text(text))
    if not m:
        return None
    try:
        bp = Decimal(m.group(1)) * 100
    except InvalidOperation:
        return None
    return int(bp) if bp == bp.to_integral_value() and bp <= 100_000 else None


def reward_of(text: str | None) -> Reward:
    """What a listing's reward says.

    「購入金額の1%」, 「1.0%」, 「0.5%→1%」 (raised: the new rate counts) → percent;
    「購入金額の0％」, 「ポイント対象外」, 「0pt」 → zero; 「不明」, 「-」 → unknown;
    empty → none; 「300pt」 → fixed; anything else → unreadable.
    """
    t = numeric_text(text)
    if not t:
        return Reward("none")
    t = _ARROWS.split(t)[-1].strip() or t
    low = t.lower()
    if re.search(r"対象外|還元なし|ポイントなし|^なし$", low):
        return Reward("zero", 0)
    if re.fullmatch(r"[-ー―‐—–~?？\s]+", low) or re.search(r"不明|未定|要確認|確認中", low):
        return Reward("unknown")
    bp = percent_bp(t)
    if bp is not None:
        return Reward("zero", 0) if bp == 0 else Reward("percent", bp)
    if _PERCENT.search(t):
        return Reward("unreadable")
    m = _FIXED.search(low)
    if m:
        return Reward("zero", 0) if not m.group(1).replace(",", "").strip("0") else Reward("fixed")
    if re.fullmatch(r"0+", low):
        return Reward("zero", 0)
    return Reward("unreadable")


# --- telling them apart ---------------------------------------------------

_SHOPPING_TAG = re.compile(r"ショッピング|通販|買い物|ショップ")
_SERVICE_TAG = re.compile(r"無料|サービス|アンケート|会員登録|資料請求|ゲーム|クレジットカード|アプリ")
_SERVICE_CONDITION = re.compile(r"無料|登録|申込|申し込み|アンケート|応募|体験|インストール|回答")
_PURCHASE = re.compile(r"購入|買い物|決済|注文")


def classify(title: str | None, reward_text: str | None, *, conditions: str | None = None,
             tags: tuple[str, ...] = ()) -> Verdict:
    """Is this listing an active Amazon routing offer? See the module docstring."""
    is_amazon, scope = amazon_listing(title)
    if not is_amazon:
        if mentions_amazon(title) or mentions_amazon(conditions):
            return Verdict(NOT_ROUTING, "mentions Amazon but is another shop or service")
        return Verdict(OTHER_STORE, "not Amazon")
    brackets = " ".join(next(g for g in m.groups() if g is not None)
                        for m in _BRACKETS.finditer(clean(title)))
    if _NOT_SHOPPING.search(brackets.lower()):
        return Verdict(NOT_ROUTING, "an Amazon service or gift-card ad, not shopping", scope)
    if tags and not any(_SHOPPING_TAG.search(t) for t in tags) and any(_SERVICE_TAG.search(t) for t in tags):
        return Verdict(NOT_ROUTING, "listed as a service, not shopping", scope)
    cond = clean(conditions)
    if cond and _SERVICE_CONDITION.search(cond) and not _PURCHASE.search(cond):
        return Verdict(NOT_ROUTING, "earned without a purchase", scope)
    reward = reward_of(reward_text)
    if reward.kind == "percent":
        return Verdict(OFFER, "a share of the purchase at Amazon", scope, reward.rate_bp)
    if reward.kind in ("zero", "unknown", "none"):
        return Verdict(NO_REWARD, f"Amazon listed with no reward ({reward.kind})", scope)
    if reward.kind == "fixed":
        return Verdict(NOT_ROUTING, "a fixed reward, not a share of the purchase", scope)
    return Verdict(UNREADABLE, "Amazon listed with a reward we cannot read", scope)


# --- the rest of the wording ---------------------------------------------


def conditions_wording(text: str | None) -> str | None:
    """「獲得条件:商品購入」 → 「商品購入」."""
    t = re.sub(r"^(?:獲得条件|ポイント獲得条件|条件)\s*[:：]\s*", "", clean(text))
    return t or None


def lag_wording(text: str | None) -> str | None:
    """The approval lag as the site words it (「承認期間:約3ヶ月」), or None."""
    t = clean(text)
    return t if "承認" in t or "付与" in t or "反映" in t else None


_MD = r"(?:\d{4}\s*[/年.\-]\s*)?\d{1,2}\s*[/月.\-]\s*\d{1,2}日?(?:\s*\([^)]*\))?(?:\s*\d{1,2}:\d{2})?"
_WINDOW = re.compile(rf"{_MD}\s*~\s*{_MD}|{_MD}\s*(?:まで|迄)")


def window_wording(text: str | None) -> str | None:
    """The first time window in some text: 「11/30(月)23:59まで」, 「2026/11/20~2026/11/30」."""
    m = _WINDOW.search(clean(text))
    return m.group(0) if m else None


def parse_offer_window(text: str | None, seen_at: datetime | None) -> tuple[datetime | None, datetime | None]:
    """A window in JST; dates without a year take the one that fits when it was seen.

    Listings often write 「11/30(月)23:59まで」: the year is the one that puts
    the date within half a year of when it was seen (「1/5まで」 seen on 12/26
    means next January; 「12/20~1/5」 seen on 1/2 started last December), and
    an end that would fall before its start is in the year after it.
    """
    t = clean(text)
    if not t:
        return None, None
    if re.search(r"\d{4}\s*[/年.\-]\s*\d{1,2}", t) or seen_at is None:
        return parse_window(t)
    seen = seen_at.date()
    half_year = timedelta(days=183)

    def with_year(m: re.Match) -> str:
        month, day = int(m.group(1)), int(m.group(2))
        year = seen.year
        try:
            if date(year, month, day) < seen - half_year:
                year += 1
            elif date(year, month, day) > seen + half_year:
                year -= 1
        except ValueError:
            return m.group(0)
        return f"{year}/{month}/{day}"

    start, end = parse_window(re.sub(r"(?<![\d/])(\d{1,2})\s*[/月]\s*(\d{1,2})日?", with_year, t))
    if start is not None and end is not None and end < start:
        try:
            end = end.replace(year=end.year + 1)
        except ValueError:
            pass
    return start, end
