"""Turning the sites' Japanese wording into exact numbers.

Every function takes the raw text a spider extracted and returns numbers or
None: None means "could not read it", which validation flags and counts.
Nothing here raises on odd input (full-width digits, stray markup, huge
numbers); the fuzz tests hold it to that.
"""

from __future__ import annotations

import re
import unicodedata

# Numbers beyond this are not plausible point amounts; treat as unreadable.
MAX_AMOUNT = 10**9
# Nor is a crediting lag of more than about a year of business days.
MAX_LAG_DAYS = 250

_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"
_ARROW = r"\s*(?:→|⇒|->|＞|>|=|＝|⇨|➡)\s*"


def clean(text: str | None) -> str:
    """NFKC (full-width digits, 〜), collapsed whitespace."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    text = text.replace("〜", "~").replace("～", "~").replace("−", "-")
    return re.sub(r"\s+", " ", without_controls(text)).strip()


def without_controls(text: str | None) -> str:
    """The text without control or format characters (escape sequences, NUL,
    bidi overrides): never part of a site's wording, and they must not reach a
    terminal or a feed. Whitespace stays."""
    if not text:
        return ""
    return "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch)[0] != "C")


def numeric_text(text: str | None) -> str:
    """Cleaned text for the number parsers. A run of digits longer than any
    plausible amount becomes "#": unreadable as a number, and the patterns
    below stay linear in the text's length instead of backtracking over it.
    A figure written with 億 / 万 / 千 (「1万pt」, 「1万5,000pt」, 「1.5万」) is
    written out in digits: read digit by digit it would be 1, not 10,000.
    A figure whose commas do not group three digits (「1,5万」, 「1,5000」) is
    "#" too: 150,000 or 1,500 would be a guess."""
    t = re.sub(r"[\d,]{16,}", "#", clean(text))
    t = _FIGURE_RUN.sub(_grouped_or_unreadable, t)
    return _KANJI_FIGURE.sub(_figure_in_digits, t)


_FIGURE_RUN = re.compile(r"[\d.,億万千]+")
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")


def _grouped_or_unreadable(m: re.Match) -> str:
    """A figure as written, or "#" when a comma in it groups other than three
    digits: the whole figure, so that no part of it (「1,5万5,000」) reads."""
    run = m.group()
    if "," in run and not all(_GROUPED.fullmatch(g) for g in re.findall(r"\d+(?:,\d+)+", run)):
        return "#"
    return run


_KANJI_UNITS = {"億": 10**8, "万": 10**4, "千": 10**3}
_KANJI_FIGURE = re.compile(r"(?:\d[\d,]{0,15}(?:\.\d{1,15})?[億万千])+(?:\d[\d,]{0,15})?")


def _figure_in_digits(m: re.Match) -> str:
    """「1万5千」 → 15000; "#" (unreadable) for units out of order, a tail as
    large as the last unit, or a part of a point (「1.23456万」)."""
    from fractions import Fraction

    parts = re.findall(r"(\d[\d,]*(?:\.\d+)?)([億万千])", m.group())
    tail = m.group()[sum(len(a) + len(u) for a, u in parts):].replace(",", "")
    units = [_KANJI_UNITS[u] for _, u in parts]
    if (any(a <= b for a, b in zip(units, units[1:])) or (tail and int(tail) >= units[-1])
            # 「1千万」: not worth reading; 「1千5百」: the 5 is hundreds, not a tail
            or m.string[m.end():m.end() + 1] in (*_KANJI_UNITS, "百")):
        return "#"
    total = sum(Fraction(a.replace(",", "")) * n for (a, _), n in zip(parts, units)) + int(tail or 0)
    return str(total.numerator) if total.denominator == 1 else "#"


def _to_int(digits: str, limit: int = MAX_AMOUNT) -> int | None:
    digits = digits.replace(",", "")
    if len(digits) > len(str(limit)):  # also keeps int() under its digit limit
        return None
    value = int(digits)
    return value if value <= limit else None


def parse_int(text: str | None) -> int | None:
    """First whole number in the text: 「1,000pt以上」 → 1000."""
    m = re.search(_NUM, numeric_text(text))
    if not m or m.group(2):
        return None
    return _to_int(m.group(1))


def parse_rate(text: str | None) -> tuple[int, int] | None:
    """「490pt → 500円」, 「1,000ちょびポイント→500マネー」 → (490, 500).

    A decimal side is scaled to exact integers, never rounded:
    Pointtown's 「19.6Pt＝1円」 → (196, 10).
    """
    t = numeric_text(text)
    m = re.search(_NUM + r"[^\d→⇒=＝>＞⇨➡-]*?" + _ARROW + r"[^\d]*?" + _NUM, t)
    if not m:
        return None
    frac_a, frac_b = m.group(2) or "", m.group(4) or ""
    digits = max(len(frac_a), len(frac_b))
    if digits > 6:
        return None
    a = _to_int(m.group(1) + frac_a.ljust(digits, "0"))
    b = _to_int(m.group(3) + frac_b.ljust(digits, "0"))
    if not a or not b:
        return None
    return a, b


def parse_fee(text: str | None) -> tuple[int, str] | None:
    """Fee as (amount, unit) with unit "pt" or "yen": 「無料」 → (0, "pt")."""
    t = numeric_text(text)
    if not t:
        return None
    if re.search(r"\d\s*%", t):
        # A share of the points is no fixed amount: exact only when the page
        # says the share is already taken off its rate (げん玉:
        # 「交換ポイントの10%(交換レートに含まれます)」).
        return (0, "pt") if re.search(r"レートに(?:含|反映)|差引後|込み", t) else None
    if re.search(r"無料|なし|不要|^0\D*$", t):
        # Free only sometimes (「初回無料、2回目以降100円」, 「無料（一部有料）」)
        # is no fixed fee: unread, not "free". 「初回無料」 alone says the same
        # without the later fee: free once, then a fee the page does not give.
        if re.search(r"有料|初回|[1-9][\d,]*\s*(?:円|pt|P|ポイント|マネー)", t, re.I):
            return None
        return 0, "pt"
    unit = r"\s*(円|pt|P|ポイント|Pt|マネー)?"
    m = re.search(_NUM + unit + r"\s*~\s*" + _NUM + unit, t)
    if m:
        # 「100～300円」: a fee that depends on the bank or the amount is, at
        # worst, its upper end, in the unit written after it (or after both).
        low, high = _to_int(m.group(1)), _to_int(m.group(4))
        if m.group(2) or m.group(5) or low is None or high is None or low > high:
            return None
        return high, "yen" if (m.group(6) or m.group(3)) == "円" else "pt"
    m = re.search(_NUM + unit, t)
    if not m or m.group(2) or _FEE_FROM.match(t, m.end()):
        return None
    amount = _to_int(m.group(1))
    if amount is None:
        return None
    return amount, "yen" if m.group(3) == "円" else "pt"


# After a fee's figure and unit: the fee is that or more (モッピー 楽天ポイント
# 「150P～（交換額により異なります）」, 「150pt以上」): its least, not the fee.
_FEE_FROM = re.compile(r"\s*(?:~(?!\s*\d)|以上|から|より)")


# A span in calendar days, weeks or months (「即日～最大45日」, 「3営業日～1ヶ月」,
# 「翌月末」) is no count of business days: a lag naming one is unread, not
# read as its other part (which would be far shorter).
_CALENDAR_SPAN = r"\d\s*(?:日(?!曜)|週|[ヶヵかカケ箇]?\s*月)|翌々?月|月末"


def parse_lag(text: str | None) -> tuple[int, int] | None:
    """Crediting lag in business days (min, max), from the site's wording.

    リアルタイム / 即時 / 即日 / 当日 → (0, 0); 翌営業日 → (1, 1);
    3営業日以内 → (0, 3), 申請の翌日より3営業日以内 → (1, 3), 最大3営業日 → (0, 3);
    即日~3営業日 → (0, 3), 最短翌日~5営業日 → (1, 5);
    4~10営業日後 → (4, 10); 25営業日 → (25, 25); 翌々営業日 → (2, 2).
    """
    t = numeric_text(text)
    # A date named beside the count (「(12月29日~1月3日を除く)」) is no span.
    if not t or re.search(_CALENDAR_SPAN, re.sub(r"\d{1,2}\s*月\s*\d{1,2}\s*日", "", t)):
        return None
    m = re.search(r"(\d+)\s*[~\-]\s*(\d+)\s*営業日", t)
    if m:
        lo, hi = _to_int(m.group(1), MAX_LAG_DAYS), _to_int(m.group(2), MAX_LAG_DAYS)
        return (lo, hi) if lo is not None and hi is not None and lo <= hi else None
    m = re.search(r"(\d+)\s*営業日\s*(以内|程度|前後|後|目)?", t)
    if m:
        n = _to_int(m.group(1), MAX_LAG_DAYS)
        if n is None:
            return None
        before = t[: m.start()]
        if m.group(2) == "以内" or re.search(r"最大|最長", before):
            return (1 if "翌" in before else 0), n
        # 「即日~3営業日」, 「最短翌日~5営業日」: the span's short end in words.
        if re.search(r"(?:当日|即日|即時|リアルタイム)\s*[~\-]\s*$", before):
            return 0, n
        if re.search(r"翌(?:営業)?日\s*[~\-]\s*$", before):
            return 1, n
        return n, n
    if "翌々営業日" in t:
        return 2, 2
    if "翌営業日" in t:
        return (0, 1) if re.search(r"当日|即日|即時|リアルタイム", t) else (1, 1)
    if re.search(r"リアルタイム|即時|即日|当日", t):
        return 0, 0
    return None


# A date's month and day: 「12月1日」, 「12 月 31 日」, and a day of every month
# (「毎月1日に1,000pt付与」, 「毎月1日1回」: the 1st, not 1日 as a day).
_DAY_OF_MONTH = r"(?:\d{1,2}\s*月|毎月)\s*\d{1,2}\s*日"

# What follows a cap's figure: a unit (the site's points, yen, what an exit
# pays out; _site_points decides which it is) or, with none, the cap's own
# word (「1ヶ月30,000まで」). Points given (「1,000pt付与」, 「100ptプレゼント」) are
# a reward, not a cap.
_CAP_FIGURE_END = (r"(?=\s*(?:(?:ちょび|PeX\s*)?(?:ポイント|pt|Pt|P)|円|マネー|マイル"
                   r"|まで|迄|以内|[をが]上限))"
                   r"(?!\s*(?:(?:ちょび|PeX)?ポイント|pt|Pt|P|マネー|円分?)?\s*(?:を|が)?\s*"
                   r"(?:付与|進呈|プレゼント|加算|還元))")


# A month's points: 「1ヶ月30,000ptまで」 (or 1ヵ月, 1ケ月, 1か月, 1カ月), 「月間」,
# 「毎月」, and a bare 「月10,000ptまで」 / 「月最大10,000pt」. After a bare 月 only
# the figure's own words may come: 月 is in many words (月末, 今月, 翌月, 3ヶ月), and
# a digit before it (「12月10,000pt」, even 「12 月」) makes it a date's month.
_MONTH_POINTS = re.compile(
    r"(?:(?:(?<!\d)1\s*[ヶヵかカケ]\s*月|月間|毎月)[^\d]{0,12}?"
    r"|(?:^|(?<=[^\d\sヶヵかカケ箇今翌先来前当同]))\s*月\s*(?:あたり|当たり|につき|に)?\s*"
    r"(?:最大|上限|合計)?\s*)" + _NUM + _CAP_FIGURE_END)


def parse_caps(text: str | None, site: str | None = None, out_unit: str | None = None,
               rate: tuple[int, int] | None = None) -> dict[str, int | None]:
    """Caps from wording: 「1ヶ月30,000ptまで」 (or 1ヵ月, 1ケ月, 1か月, 1カ月,
    月間, 毎月, 月), 「1日2,000ptまで」, 「1日1回まで」 (or 1日につき / あたり 1回).
    A cap of points is in the site's own points, read as a campaign's figure
    is (_site_points): 「1日5,000円分まで」 on an exit paying yen at `rate`
    (points_in, value_out) 5,000pt → 500円 → 50,000; a cap the text states
    but that does not read so (yen of another exit's kind, pt where `out_unit`
    is pt too and the readings differ, no unit) is there as None."""
    t = numeric_text(text)
    caps: dict[str, int | None] = {}
    m = _MONTH_POINTS.search(t)
    if m and not m.group(2) and _to_int(m.group(1)):
        caps["monthly_cap_points"] = _site_points(t, m, site, out_unit, rate)
    # A date's 日 (「12月1日〜12月31日 1回まで」, 「〜31日」) is no day's cap.
    undated = re.sub(_DAY_OF_MONTH, "", t)
    m = re.search(r"(?<!\d)(?:1\s*日|1日あたり|日毎)[^\d]{0,12}?" + _NUM + _CAP_FIGURE_END, undated)
    if m and not m.group(2) and _to_int(m.group(1)):
        caps["daily_cap_points"] = _site_points(undated, m, site, out_unit, rate)
    m = re.search(r"(?<!\d)1\s*日\s*(?:につき|あたり|当たり|に)?\s*(\d+)\s*回", undated)
    if m and _to_int(m.group(1)):
        caps["daily_exchanges"] = _to_int(m.group(1))
    return caps


# An exchange count per month (「月1回まで」, 「1ヶ月に2回まで」, 「毎月1回」,
# 「月最大5回」, 「毎月1日1回」: once a month, on the 1st). No stored field holds
# one (caps are points a day / a month and exchanges a day). A digit before
# the month, even with spaces between (「12 月1回目」), makes it a date: hence
# the start or a non-digit, not a lookbehind, which cannot skip a run of spaces.
# A bare 月 after ヶ / か (「12ヶ月に2回」) ends a span of months, not one month.
_MONTHLY_COUNT = re.compile(
    r"(?:(?:^|[^\d\s])\s*(?:毎月(?:\s*\d{1,2}\s*日)?|1\s*[ヶヵかカケ]\s*月)"
    r"|(?:^|[^\d\sヶヵかカケ箇])\s*月間?)"
    r"\s*(?:につき|あたり|当たり|に|のみ)?\s*(?:最大|上限)?\s*\d+\s*回")


def names_monthly_exchanges(text: str | None) -> bool:
    """The text limits how many exchanges a month may make: 「1日2,000ptまで、
    月1回まで」 → True; 「12月1回目」, 「12 月1回目」 (a date) → False."""
    return bool(_MONTHLY_COUNT.search(numeric_text(text)))


# A cap over a span of several months (「12ヶ月に2回」, 「3ヶ月30,000ptまで」): no
# field holds one, and it is no month's cap.
_SEVERAL_MONTHS = re.compile(
    r"(?<!\d)(?!1\s*[ヶヵかカケ箇])\d{1,3}\s*[ヶヵかカケ箇]\s*月\s*間?\s*(?:につき|あたり|当たり|に|で)?"
    r"\s*(?:最大|上限|合計)?\s*\d[\d,]*\s*(?:回|pt|P|ポイント)")


def names_several_months(text: str | None) -> bool:
    """The text caps exchanges over several months: 「1日1回、12ヶ月に2回まで」 →
    True; 「1ヶ月に2回」 (one month) or 「6ヶ月後の月末まで」 (no cap) → False."""
    return bool(_SEVERAL_MONTHS.search(numeric_text(text)))


# How a site's own points are written after a figure (a cap's 「40,000ちょびポイント」),
# where not as most sites write them; 「20,000マネー」 on another site is what
# the points become, not the points.
_OWN_POINT_UNIT = {"dotmoney": r"マネー", "pex": r"(?:PeX)?ポイント|pt|P"}
_POINT_UNIT = r"(?:ちょび)?ポイント|pt|P(?!eX)"


# A figure that counts something other than points: times (「12ヶ月に2回」),
# months, days, years, people (「先着1,000名」), a share, or a part of a date
# or a time (「2026/11/30」, 「23:59」).
_NOT_POINTS = re.compile(r"\s*(?:回|[ヶヵかカケ箇]?\s*月|日|年|週|時|分|名|人|%|[/:]\d)")
# Points given (「毎月1,000pt付与」, 「100ptプレゼント」) are a reward, not a cap.
_GIVEN = re.compile(r"\s*(?:(?:ちょび|PeX)?ポイント|pt|Pt|P|マネー|円分?)?\s*(?:を|が)?\s*"
                    r"(?:付与|進呈|プレゼント|加算|還元)")
# What makes a figure a cap: 「上限」, 「まで」, 「最大」.
_CAP_WORD = r"上限|まで|迄|最大|限度"


# Units a cap's figure may be in other than the site's points: yen, and what
# an exit pays out (dot money's マネー, PeX's points, miles), written as the
# catalog writes each destination's unit.
_OTHER_UNIT = re.compile(r"\s*(円|マネー|PeX\s*(?:ポイント|pt|P)?|マイル)")
_OTHER_UNIT_NAME = {"円": "円", "マネー": "マネー", "マイル": "マイル"}


# A day's share (「1日2,000ptまで」, 「1日あたり上限2,000円分」, 「1日1回」, 「毎日1回」),
# up to the figure it names. A date's day (「11月1日」, 「毎月1日」) is none:
# callers blank dates out first (_without_dates), keeping positions.
_PER_DAY = re.compile(r"(?:(?<!\d)1\s*日|一日|毎日|日毎|日ごと)\s*(?:につき|あたり|当たり|に|の|で)?"
                      r"[^\d。]{0,12}?(?=\d)")


def _without_dates(t: str) -> str:
    """`t` with each date's month and day blanked out, character for character."""
    return re.sub(_DAY_OF_MONTH, lambda m: "_" * len(m.group()), t)


def names_daily_cap(text: str | None) -> bool:
    """The text caps a day (points or exchanges): 「お一人様1日2,000ptまで」,
    「1日1回まで」 → True; 「11月1日～11月30日」 or 「毎月1日1回」 (a date) → False.
    No field holds a campaign's cap a day."""
    return bool(_PER_DAY.search(_without_dates(numeric_text(text))))


# Units of what an exit pays out that are written as points too (楽天 / d /
# PayPay / WAON points, PeX's): 「10,000ptまで」 on such a campaign may count
# either. A site's points written by name (ちょびポイント, PeXポイント) are its own.
_POINTS_OUT = ("pt", "PeXポイント")
_NAMED_POINTS = re.compile(r"ちょび|PeX")


def _same_points(amount: int | None, rate: tuple[int, int] | None) -> bool:
    """`amount` of the exit's units spends `amount` site points by `rate`
    (points_in, value_out), so either reading of the figure is the same cap."""
    return amount is not None and rate is not None and amount * rate[0] // rate[1] == amount


def parse_cap_points(text: str | None, site: str | None = None, out_unit: str | None = None,
                     rate: tuple[int, int] | None = None) -> int | None:
    """A campaign's cap as points of the exchange, in the site's own points:
    「お一人様20,000マネー（40,000ちょびポイント）の交換分まで」 → 40000 on
    ちょびリッチ, 「お一人様10,000マネーの交換まで」 → 10000 on ドットマネー.
    Stated both ways, the two must agree by `rate` (to the point rounded),
    else unread: 「20,000マネー（20,000ちょびポイント）」 at 1,000 → 500 → None.
    A figure in pt where `out_unit` is points too (楽天ポイント) may count
    either: it is the site's points only when its reading in `out_unit` by
    `rate` is the same points (Moppy's 500P → 500ポイント), else unread (at
    10 pt = ¥1 the readings differ tenfold).
    Without a figure in the site's points, the first figure that may be a cap:
    one without a unit likewise reads only where both readings agree
    (「上限10,000まで」 at Moppy's 500P → 500円); one in `out_unit`, the unit
    the campaign's exit pays out (「20,000マネーまで」, 「5,000円分まで」 for a
    gift in yen), becomes the points its `rate` (points_in, value_out) spends
    on it, rounded down — a cap never allows more than the page says. In
    another unit, or without a rate, it is unread (None): points of one site
    are not the units of another (2 ちょびポイント = 1 マネー).
    None when the text names no cap (上限, まで, 最大) or its figures are no
    points capped: points given (「毎月1,000pt付与」), a count of months or times
    (「12ヶ月に2回」), people (「先着1,000名」), a date, a cap a day
    (「1日2,000ptまで」)."""
    t = numeric_text(text)
    if not re.search(_CAP_WORD, t):
        return None
    # A day's cap (「1日2,000ptまで」) is no cap over the campaign.
    daily = {m.end() for m in _PER_DAY.finditer(_without_dates(t))}
    # Nor is a month's (「1ヶ月5,000円分まで」): parse_caps reads it, and the
    # campaign's window says whether it is the campaign's (NormalizePipeline).
    monthly = {m.start(1) for m in _MONTH_POINTS.finditer(t)}
    figures = []
    for m in re.finditer(_NUM, t):
        if (m.group(2) or t[m.start() - 1:m.start()] in ("/", ":") or _NOT_POINTS.match(t, m.end())
                or m.start() in daily or m.start() in monthly):
            continue
        if not _GIVEN.match(t, m.end()):
            figures.append((m, _own_unit(t, m.end(), site)))
    for m, unit in figures:
        if unit:
            amount = _site_points(t, m, site, out_unit, rate)
            # 「20,000マネー（40,000ちょびポイント）」: both must be one cap by the rate
            stated = [_to_int(o.group(1)) for o, _ in figures if o is not m and _in_unit(t, o, out_unit)]
            if rate and amount is not None and not all(_costs(units, amount, rate) for units in stated):
                return None
            return amount
    if not figures:
        return None
    return _site_points(t, figures[0][0], site, out_unit, rate)


def _site_points(t: str, m: re.Match, site: str | None, out_unit: str | None,
                 rate: tuple[int, int] | None) -> int | None:
    """The cap figure `m` of `t` (its digits group 1) as the site's own points,
    by the unit written after it. In the site's points it reads, but pt
    where `out_unit` is points too (楽天ポイント) may count either: it reads
    only when its reading in `out_unit` by `rate` (points_in, value_out) is
    the same points (Moppy's 500P → 500ポイント; at 10 pt = ¥1 the two differ
    tenfold); so does a figure without a unit. One in `out_unit` (円, マネー,
    PeXポイント, マイル) becomes the points `rate` spends on it, rounded down:
    a cap never allows more than the page says. In another unit, or without
    a rate to tell, None."""
    amount = _to_int(m.group(1))
    own = _own_unit(t, m.end(1), site)
    if own:
        if out_unit in _POINTS_OUT and not _NAMED_POINTS.match(own.group().strip()):
            # 「10,000ptまで」 where the exit pays out pt too: either points
            return amount if _same_points(amount, rate) else None
        return amount
    unit = _unit_out(t, m.end(1))
    if unit is None:
        # No unit: the site's points or the exit's units, unread unless both agree.
        return amount if out_unit and _same_points(amount, rate) else None
    if amount is None or rate is None or unit != out_unit:
        return None
    points_in, value_out = rate
    return _to_int(str(amount * points_in // value_out))


def parse_max_points(text: str | None, site: str | None = None, out_unit: str | None = None,
                     rate: tuple[int, int] | None = None) -> int | None:
    """An exit's largest single exchange in the site's points, its first
    figure read as a cap's (_site_points): 「10,000pt」 → 10000, 「1,000円分」 on
    an exit paying yen at 10,000pt → 1,000円 → 10000."""
    t = numeric_text(text)
    m = re.search(_NUM, t)
    if not m or m.group(2):
        return None
    return _site_points(t, m, site, out_unit, rate)


def parse_minimum_points(text: str | None, site: str | None = None, out_unit: str | None = None,
                         rate: tuple[int, int] | None = None) -> int | None:
    """An exit's minimum exchange in the site's points (_exchange_points): a
    figure in `out_unit` becomes the fewest points that reach it, rounded
    up: 「1,000円分から」 at 10pt → 1円 → 10000, 「999円分から」 at 490pt →
    500円 → 980 (979 would not reach it)."""
    return _exchange_points(text, site, out_unit, rate, exact=False)


def parse_step_points(text: str | None, site: str | None = None, out_unit: str | None = None,
                      rate: tuple[int, int] | None = None) -> int | None:
    """An exit's step in the site's points (_exchange_points): a figure in
    `out_unit` reads only where it is a whole number of points: 「500円単位」
    at 490pt → 500円 → 490; 「1円単位」 there (0.98 pt) → None."""
    return _exchange_points(text, site, out_unit, rate, exact=True)


def _exchange_points(text: str | None, site: str | None, out_unit: str | None,
                     rate: tuple[int, int] | None, exact: bool) -> int | None:
    """An exit's minimum or step, its first figure by the unit after it. The
    site's points, or no unit (the 最低交換pt / 交換単位 columns count them),
    read as written: unlike a cap's, pt where the exit pays pt too (Hapitas's
    390pt to 楽天ポイント) is the site's. One in `out_unit` (円, マネー,
    PeXポイント, マイル) becomes points by `rate` (points_in, value_out):
    rounded up, or, `exact`, only when whole. In another unit, or without a
    rate, None (validation flags the text unparsed)."""
    t = numeric_text(text)
    m = re.search(_NUM, t)
    if not m or m.group(2):
        return None
    amount = _to_int(m.group(1))
    unit = _unit_out(t, m.end(1))
    if amount is None or _own_unit(t, m.end(1), site) or unit is None:
        return amount
    if rate is None or unit != out_unit:
        return None
    points, rest = divmod(amount * rate[0], rate[1])
    if rest and exact:
        return None
    return _to_int(str(points + (rest > 0)))


def _costs(units: int | None, points: int, rate: tuple[int, int]) -> bool:
    """`units` of the exit's unit cost `points` by `rate` (points_in,
    value_out), to the point rounded down or up."""
    if units is None:
        return False
    low, rest = divmod(units * rate[0], rate[1])
    return low <= points <= low + (rest > 0)


def _in_unit(t: str, m: re.Match, out_unit: str | None) -> bool:
    """The figure `m` of `t` is written in `out_unit` (円, マネー, PeXポイント, マイル)."""
    unit = _unit_out(t, m.end())
    return unit is not None and unit == out_unit


def _own_unit(t: str, pos: int, site: str | None) -> re.Match | None:
    """The site's own points written at `pos` of `t` (ちょびポイント, マネー, pt, P…)."""
    return re.match(r"\s*(?:" + _OWN_POINT_UNIT.get(site or "", _POINT_UNIT) + r")", t[pos:])


def _unit_out(t: str, pos: int) -> str | None:
    """The unit of what an exit pays out written at `pos` of `t` (円, マネー,
    PeXポイント, マイル), None when none is."""
    other = _OTHER_UNIT.match(t, pos)
    return _OTHER_UNIT_NAME.get(other.group(1), "PeXポイント") if other else None


# Site wording → destination slug. Order matters: first match wins.
_DESTINATION_WORDS = (
    ("amazon_gift", r"amazon|アマゾン"),
    ("dotmoney", r"ドットマネー|\.money|dot ?money"),
    ("pex", r"pex"),
    ("rakuten_point", r"楽天ポイント|楽天pt"),
    ("paypay", r"paypay(?!銀行)"),
    ("d_point", r"dポイント|d ?point"),
    ("waon", r"waon"),
    ("jal_mile", r"jal|マイル"),
    ("bank", r"銀行|金融機関|現金|振込"),
)


def destination_for(label: str | None) -> str | None:
    t = clean(label).lower()
    for slug, pattern in _DESTINATION_WORDS:
        if re.search(pattern, t):
            return slug
    return None


def parse_percent_bp(text: str | None) -> int | None:
    """「2%増量」 → 200, 「0.5%」 → 50; 「不明」 or no percent → None."""
    m = re.search(r"(\d+)(?:\.(\d{1,2}))?\s*[%％]", numeric_text(text))
    if not m:
        return None
    whole = _to_int(m.group(1), 1_000)
    if whole is None:
        return None
    frac = (m.group(2) or "").ljust(2, "0")
    bp = whole * 100 + int(frac)
    return bp if bp <= 100_000 else None


_DATE = r"(\d{4})[/\-年.](\d{1,2})[/\-月.](\d{1,2})日?(?:\s*\([^)]*\))?\s*(?:(\d{1,2}):(\d{2}))?"


_MONTH_DAY = r"(\d{1,2})[/月](\d{1,2})日?(?:\s*\([^)]*\))?\s*(?:(\d{1,2}):(\d{2}))?"


def parse_window(text: str | None):
    """「2026/11/01(日)10:00~2026/11/30(月)23:59」 → (start, end) JST-aware.

    A missing time means the whole day (start 00:00, end 23:59:59).
    Either side may be None when the site gives only one date.
    """
    from datetime import datetime

    from pointexit.clock import JST

    t = numeric_text(text)
    found = list(re.finditer(_DATE, t))
    if not found:
        return None, None

    def build_parts(y, mo, d, hh, mm, end: bool):
        y, mo, d = int(y), int(mo), int(d)
        try:
            if hh:
                return datetime(y, mo, d, int(hh), int(mm), tzinfo=JST)
            return datetime(y, mo, d, 23, 59, 59, tzinfo=JST) if end else datetime(y, mo, d, tzinfo=JST)
        except ValueError:
            return None

    def build(m, end: bool):
        return build_parts(*m.group(1, 2, 3, 4, 5), end)

    if len(found) == 1:
        only = found[0]
        # 「2026年11月1日(日)0:00~11月30日(月)23:59」: the end omits its year.
        rest = re.match(r"\s*~\s*" + _MONTH_DAY, t[only.end():])
        if rest:
            start = build(only, False)
            y = int(only.group(1))
            y += 1 if start and int(rest.group(1)) < start.month else 0
            return start, build_parts(y, rest.group(1), rest.group(2), rest.group(3),
                                      rest.group(4), True)
        ends = re.search(r"まで|迄", t[only.end():only.end() + 6]) or t.lstrip().startswith(("~",))
        return (None, build(only, True)) if ends else (build(only, False), None)
    return build(found[0], False), build(found[1], True)


def split_minimum_step(text: str | None) -> tuple[str | None, str | None]:
    """One cell holding both: 「1,000ちょびポイント以上1,000ちょびポイント単位」
    → ("1,000ちょびポイント以上", "1,000ちょびポイント単位").

    A cell with only a step (「500P単位」) gives (None, text); only a minimum
    (「500P以上」, 「500Pから」) gives (text, None).
    """
    t = clean(text)
    if not t:
        return None, None
    m = re.match(r"(.*?\d.*?(?:以上|から|~))\s*[、,/]?\s*(.*\d.*単位.*)$", t)
    if m:
        return m.group(1), m.group(2)
    return (None, t) if "単位" in t else (t, None)


def parse_point_value(text: str | None):
    """Yen value of one site point as the site declares it, exact:
    「1ポイント＝1円相当」 → 1, 「10pt=1円」 → 1/10, 「1pt=0.1円」 → 1/10,
    「2ちょびポイント=1円」 → 1/2. None when the text says no such thing.
    """
    from fractions import Fraction

    t = numeric_text(text)
    m = re.search(r"(\d[\d,]*)\s*(?:[^\d\s=円]{0,12}?)\s*=\s*(\d[\d,]*)(?:\.(\d+))?\s*円", t)
    if not m:
        return None
    points = int(m.group(1).replace(",", ""))
    yen = Fraction(int(m.group(2).replace(",", "") + (m.group(3) or "")),
                   10 ** len(m.group(3) or ""))
    if not points or not yen:
        return None
    return yen / points


_FIRST_COME = r"先着|なくなり次第|無くなり次第|達し次第|予定数に達"


def is_first_come(text: str | None) -> bool:
    """First come, first served: 「先着順」, 「予算上限に達し次第終了」; not when
    the site says otherwise (「先着順ではありません」)."""
    t = clean(text)
    for m in re.finditer(_FIRST_COME, t):
        if not re.match(r"[^。]{0,4}(?:では|じゃ)(?:ありません|ない)", t[m.end():]):
            return True
    return False


# Figures in a campaign's cap text that cap no points: how many people it
# is first come for (「先着1,000名様」), and its dates and times.
_NO_CAP_FIGURE = re.compile(r"\d[\d,]*\s*(?:名|人)|\d{4}\s*[/年]\s*\d{1,2}\s*[/月]\s*\d{1,2}\s*日?"
                            r"|\d{1,2}\s*[/月]\s*\d{1,2}\s*日?|\d{1,2}:\d{2}")


def names_points_figure(text: str | None) -> bool:
    """Whether a campaign's cap text has a figure that may cap points: not
    only a count of people first come (「先着1,000名様まで」) or a date."""
    return bool(re.search(r"\d", _NO_CAP_FIGURE.sub("", clean(text))))


def value_after_label(text: str | None) -> str | None:
    """「交換目安：3営業日以内」 → 「3営業日以内」: a card line's value without
    its label. Text without a 「label：」 prefix comes back unchanged."""
    t = clean(text)
    if not t:
        return None
    m = re.match(r"[^\d:]{1,12}:\s*(.+)$", t)
    return m.group(1) if m else t


def bank_in_label(label: str | None) -> str:
    """The bank an exit's label names in brackets, as its variant:
    「銀行振込（ゆうちょ銀行）」 → "ゆうちょ銀行"; "" when it names none."""
    m = re.search(r"\(([^()]*(?:銀行|金融機関|信用金庫)[^()]*)\)", clean(label))
    return m.group(1).strip() if m else ""
