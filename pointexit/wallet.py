"""The user's wallet file (TOML): balances, Amazon gift and points, Associates
earnings, accepted destinations and planned spend.

Every mistake in the file is reported on one line naming the file, the key
and what is wrong (`WalletError`, exit status 2). Money stays exact: decimal
numbers are read as Decimal, never float.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

from advisor.amazon import (
    ABROAD_SHIPPING_SHARE,
    GIFT_VALIDITY_YEARS,
    AmazonPoints,
    AmazonWallet,
    GiftLot,
    TimedPoints,
    add_years,
    associates_gift_lots,
)
from advisor.model import Spend
from advisor.rules import add_months
from pointexit.clock import JST, today_jst
from pointexit import small_files
from pointexit.errors import UserError, not_empty

# The example `wallet init` writes. Its dates are fields, filled from the day
# it is written (wallet_example): fixed dates were soon in the past, and
# `recommend` then planned for spends gone by and lots already expired.
WALLET_TEMPLATE = """\
# pointexit wallet — `pointexit recommend` reads this file.
# Dates are YYYY-MM-DD (Asia/Tokyo); amounts are whole points or yen.

[settings]
abroad_shipping_share = "15%"      # AmazonGlobal shipping, share of the cart (paid from gift)
amazon_points_use = "by_expiry"    # by_expiry | last | never (if you cannot combine them with gift)

# Points held on each site, and the last day you logged in / earned / exchanged
# there (the site's expiry rule counts from it).
[sites.hapitas]
points = 3210
last_activity = {hapitas_activity}
# Optional: what you already exchanged this month, for a site whose exits
# share a monthly cap (Hapitas: 30,000 pt a month). Ignored in other months.
exchanged = {{ month = "{this_month}", points = 0 }}

[sites.moppy]
points = 1500
last_activity = {moppy_activity}

[sites.dotmoney]
points = 0

# Amazon gift balance, one entry per card or charge, with its expiry date.
[[amazon.gift]]
yen = 2000
expires = {gift_expires}

# Amazon Points: one year after the later of your last order and your last
# point earned (rolling); time-limited points keep their own date.
[amazon.points]
points = 1200
last_order = {last_order}
last_earned = {last_earned}

[[amazon.timed_points]]
points = 300
expires = {timed_expires}

# Amazon Associates: monthly earnings, paid as a gift card about six weeks
# after the month (from ¥500), valid `validity_years` from issue.
[associates]
validity_years = 10

[[associates.earnings]]
month = "{earnings_month}"
yen = 1800

# Other destinations you would accept, and what one unit is worth to you in yen.
[destinations]
bank = "1.0"
rakuten_point = "0.98"

# Planned Amazon spend (add more with `recommend --spend DATE:YEN[:TAG]`).
[[spend]]
date = {first_spend}
yen = 5000

[[spend]]
date = {second_spend}
yen = 8000
tag = "fashion"
"""


def wallet_example(today: date) -> str:
    """The example wallet as written on `today`. The spacing is the example's
    as first written on 2026-11-23: spends 17 and 53 days ahead (the second
    after last month's Associates gift arrives, six weeks after that month),
    activity some weeks back, Amazon Points earned three weeks ago, time-limited
    points to the end of next month, and a gift card charged six months ago
    (valid ten years) — so `recommend` right after `wallet init` plans for
    spends to come and lots not yet expired."""
    def day(days: int) -> str:
        return (today + timedelta(days=days)).isoformat()

    month = today.replace(day=1)
    charged = add_months(month, -6)
    return WALLET_TEMPLATE.format(
        hapitas_activity=day(-22),
        this_month=f"{today:%Y-%m}",
        moppy_activity=day(-64),
        gift_expires=add_years(charged, GIFT_VALIDITY_YEARS).isoformat(),
        last_order=day(-34),
        last_earned=day(-21),
        timed_expires=(add_months(month, 2) - timedelta(days=1)).isoformat(),
        earnings_month=f"{add_months(month, -1):%Y-%m}",
        first_spend=day(17),
        second_spend=day(53),
    )


class WalletError(UserError):
    pass


# Dates the planner can count years and business days from without leaving
# what Python's dates hold (year 1 to 9999).
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2999, 12, 31)
# One planned spend: more is surely a typo, and the exact planner's tables
# grow with the yen to cover (¥2,000,000 on dot money chains: ~25 s, 0.8 GB).
MAX_SPEND_YEN = 10_000_000


def in_range(d: date) -> bool:
    return FIRST_DATE <= d <= LAST_DATE


@dataclass
class Wallet:
    path: Path | None = None
    balances: dict[str, int] = field(default_factory=dict)
    last_activity: dict[str, date] = field(default_factory=dict)
    # site → (first day of the month, points exchanged in it so far)
    exchanged: dict[str, tuple[date, int]] = field(default_factory=dict)
    amazon: AmazonWallet = field(default_factory=AmazonWallet)
    destination_values: dict[str, Fraction] = field(default_factory=dict)
    spends: list[Spend] = field(default_factory=list)
    associates: list[tuple[date, int]] = field(default_factory=list)


def default_wallet_path() -> Path:
    from pointexit.config import default_wallet

    return default_wallet()


def wallet_file(option: str | None, name: str) -> Path | None:
    """The path an option (--wallet, --path) names; None when not given. An
    empty one is a mistake (an unset shell variable), not "the default"."""
    if not_empty(option, name, "path", "the default wallet") is None:
        return None
    return Path(option).expanduser()


def shown(v) -> str:
    """A value as TOML writes it, not as Python's repr does (Decimal('1.5'),
    datetime.date(2026, 11, 1), True)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, date | time):
        return v.isoformat()
    return repr(v)


class _Reader:
    """Typed access to one table, with the file and key path in every error."""

    def __init__(self, path: Path, table: dict, prefix: str):
        self.path, self.table, self.prefix = path, table, prefix

    def fail(self, key: str, what: str):
        raise WalletError(f"{self.path}: {self.prefix}{key}: {what}")

    def done(self, allowed: set[str]) -> None:
        for key in self.table:
            if key not in allowed:
                self.fail(key, f"unknown key (expected one of: {', '.join(sorted(allowed))})")

    def sub(self, key: str, kind=dict):
        v = self.table.get(key, kind())
        if not isinstance(v, kind):
            self.fail(key, f"expected a {'table' if kind is dict else 'list of tables'}")
        return v

    def tables(self, key: str) -> list[_Reader]:
        """A list of tables ([[key]]), one reader each; an entry that is no table is named."""
        out = []
        for i, t in enumerate(self.sub(key, list)):
            if not isinstance(t, dict):
                self.fail(f"{key}[{i}]", f"expected a table, got {shown(t)}")
            out.append(_Reader(self.path, t, f"{self.prefix}{key}[{i}]."))
        return out

    def int(self, key: str, required: bool = True, minimum: int = 0, maximum: int | None = None) -> int | None:
        v = self.table.get(key)
        if v is None:
            if required:
                self.fail(key, "missing")
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            self.fail(key, f"expected a whole number, got {shown(v)}")
        if v < minimum:
            self.fail(key, "cannot be negative" if minimum == 0 else f"must be at least {minimum}")
        if maximum is not None and v > maximum:
            self.fail(key, f"must be at most {maximum:,}")
        return v

    def date(self, key: str, required: bool = True) -> date | None:
        v = self.table.get(key)
        if v is None:
            if required:
                self.fail(key, "missing")
            return None
        d = None
        if isinstance(v, datetime):
            try:  # 2026-11-30T23:30:00-05:00 is already 12-01 in Japan
                d = (v.astimezone(JST) if v.tzinfo is not None else v).date()
            except OverflowError:
                self.fail(key, f"out of range ({FIRST_DATE.year}–{LAST_DATE.year}), got {shown(v)}")
        elif isinstance(v, date):
            d = v
        elif isinstance(v, str):
            try:
                d = date.fromisoformat(v)
            except ValueError:
                pass
        if d is None:
            self.fail(key, f"expected a date like 2026-12-10, got {shown(v)}")
        if not in_range(d):
            self.fail(key, f"out of range ({FIRST_DATE.year}–{LAST_DATE.year}), got {d.isoformat()}")
        return d

    def month(self, key: str) -> date:
        v = self.table.get(key)
        if v is None:
            self.fail(key, "missing")
        if isinstance(v, str):
            try:
                d = date.fromisoformat(v + "-01")
            except ValueError:
                pass
            else:
                if not in_range(d):
                    self.fail(key, f"out of range ({FIRST_DATE.year}–{LAST_DATE.year}), got {shown(v)}")
                return d
        self.fail(key, f"expected a month like \"2026-10\", got {shown(v)}")

    def fraction(self, key: str, value=None, percent_ok: bool = False,
                 at_most_whole: bool = False) -> Fraction:
        v = self.table.get(key) if value is None else value
        text = v if isinstance(v, str) else None
        try:
            if isinstance(v, bool):
                raise InvalidOperation
            if isinstance(v, int | Decimal):
                number, scale = Decimal(v), 1
            elif text is not None and percent_ok and text.strip().endswith("%"):
                number, scale = Decimal(text.strip()[:-1]), 100
            elif text is not None:
                number, scale = Decimal(text.strip()), 1
            else:
                raise InvalidOperation
            # inf and nan are no amounts, and 1e999999999 would take forever to make exact
            if not number.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            self.fail(key, f"expected a number{' or a percentage' if percent_ok else ''}, got {shown(v)}")
        if number < 0:
            self.fail(key, "cannot be negative")
        if number and not -12 <= number.adjusted() < 6:
            self.fail(key, f"out of range, got {shown(v)}")
        if at_most_whole and number > scale:  # "15" meant 15 %, not 1,500 %
            self.fail(key, f"a share is at most 100% (write \"15%\" or \"0.15\"), got {shown(v)}")
        return Fraction(number) / scale

    def choice(self, key: str, options: tuple[str, ...], default: str) -> str:
        v = self.table.get(key, default)
        if v not in options:
            self.fail(key, f"expected one of {', '.join(options)}, got {shown(v)}")
        return v


def parse_wallet(text: str, path: Path) -> Wallet:
    from pointexit.catalog import DESTINATIONS, SITES

    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise WalletError(f"{path}: not valid TOML: {exc}") from None
    except ValueError:  # an integer of more digits than Python reads (4,300)
        raise WalletError(f"{path}: not valid TOML: a number with too many digits") from None
    top = _Reader(path, data, "")
    top.done({"settings", "sites", "amazon", "associates", "destinations", "spend"})
    wallet = Wallet(path=path)

    settings = _Reader(path, top.sub("settings"), "settings.")
    settings.done({"abroad_shipping_share", "amazon_points_use"})
    share = (settings.fraction("abroad_shipping_share", percent_ok=True, at_most_whole=True)
             if "abroad_shipping_share" in settings.table else ABROAD_SHIPPING_SHARE)
    points_use = settings.choice("amazon_points_use", ("by_expiry", "last", "never"), "by_expiry")

    sites = top.sub("sites")
    for slug, table in sites.items():
        if slug not in SITES:
            top.fail(f"sites.{slug}", f"unknown site; known: {', '.join(sorted(SITES))}")
        if not isinstance(table, dict):
            top.fail(f"sites.{slug}", "expected a table with points and last_activity")
        r = _Reader(path, table, f"sites.{slug}.")
        r.done({"points", "last_activity", "exchanged"})
        wallet.balances[slug] = r.int("points")
        when = r.date("last_activity", required=False)
        if when:
            wallet.last_activity[slug] = when
        if "exchanged" in table:
            x = _Reader(path, r.sub("exchanged"), f"sites.{slug}.exchanged.")
            x.done({"month", "points"})
            wallet.exchanged[slug] = (x.month("month"), x.int("points"))

    amazon = _Reader(path, top.sub("amazon"), "amazon.")
    amazon.done({"gift", "points", "timed_points"})
    lots = []
    for r in amazon.tables("gift"):
        r.done({"yen", "expires", "arrives"})
        lot = GiftLot(r.int("yen"), r.date("expires"), r.date("arrives", required=False))
        if lot.arrives is not None and lot.arrives > lot.expires:  # a swapped pair, most likely
            r.fail("arrives", f"{lot.arrives} is after the card expires ({lot.expires})")
        lots.append(lot)
    points = None
    if "points" in amazon.table:
        r = _Reader(path, amazon.sub("points"), "amazon.points.")
        r.done({"points", "last_order", "last_earned"})
        points = AmazonPoints(r.int("points"), r.date("last_order", required=False),
                              r.date("last_earned", required=False))
        if points.points and not (points.last_order or points.last_earned):
            r.fail("last_order", "give last_order or last_earned: the points lapse a year after the later")
    timed = []
    for r in amazon.tables("timed_points"):
        r.done({"points", "expires"})
        timed.append(TimedPoints(r.int("points"), r.date("expires")))

    assoc = _Reader(path, top.sub("associates"), "associates.")
    assoc.done({"validity_years", "earnings"})
    validity = assoc.int("validity_years", required=False, minimum=1, maximum=100) or GIFT_VALIDITY_YEARS
    for r in assoc.tables("earnings"):
        r.done({"month", "yen"})
        wallet.associates.append((r.month("month"), r.int("yen")))
    lots += associates_gift_lots(wallet.associates, validity_years=validity)

    dests = _Reader(path, top.sub("destinations"), "destinations.")
    for slug, value in dests.table.items():
        if slug not in DESTINATIONS:
            dests.fail(slug, f"unknown destination; known: {', '.join(DESTINATIONS)}")
        wallet.destination_values[slug] = dests.fraction(slug, value)

    for r in top.tables("spend"):
        r.done({"date", "yen", "tag"})
        yen = r.int("yen", minimum=1, maximum=MAX_SPEND_YEN)
        tag = r.choice("tag", ("fashion", "abroad"), "fashion") if "tag" in r.table else None
        wallet.spends.append(Spend(r.date("date"), yen, tag))

    wallet.amazon = AmazonWallet(gift_lots=tuple(lots), points=points, timed_points=tuple(timed),
                                 points_use=points_use, abroad_shipping_share=share)
    return wallet


def load_wallet(path: Path) -> Wallet:
    try:
        text = small_files.read_text(path, "utf-8-sig")  # Windows editors may start it with a BOM
    except FileNotFoundError:
        raise WalletError(f"{path}: no wallet file (create one with `pointexit wallet init`)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise WalletError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    return parse_wallet(text, path)


def write_example(path: Path, force: bool = False) -> Path:
    if path.is_dir():
        raise WalletError(f"{path}: is a directory; give a file, e.g. {path / 'wallet.toml'}")
    if path.exists() and not force:
        raise WalletError(f"{path}: already exists (use --force to overwrite)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Dated from today on the app's clock (POINTEXIT_NOW pins it), in Japan.
        _replace_file(path, wallet_example(today_jst()).encode("utf-8"))
    except OSError as exc:
        raise WalletError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return path


def _replace_file(path: Path, body: bytes) -> None:
    """Write beside `path` under a temporary name, then rename it over (as the
    page's write_site does): a full disk or a crash leaves the old wallet whole,
    and a failed write leaves no temporary file behind."""
    import os
    import tempfile

    # A symlinked wallet (dotfiles) stays a link: the file it points to is replaced.
    target = path.resolve() if path.is_symlink() else path
    try:
        mode = target.stat().st_mode & 0o7777  # `--force` keeps a chmod 600
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask  # what a plain new file gets
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
