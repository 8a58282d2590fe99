"""Where things live: the database, the config and wallet files.

Database: `--db PATH|URL`, else $POINTEXIT_DB, else the user data dir.
Config:   $POINTEXIT_CONFIG_DIR, else the user config dir (platformdirs).
A variable set but empty is an error, as an empty option is (errors.not_empty).
"""

from __future__ import annotations

import math
import os
from fractions import Fraction
from pathlib import Path

from pointexit import small_files
from pointexit.errors import UserError

APP = "pointexit"


def env_path(name: str, default: str) -> str | None:
    """A POINTEXIT_* variable that names a path; None when unset. Set but
    empty, it is most likely an unset shell variable (`POINTEXIT_DB="$DB"`):
    a usage error, as an empty option is, never the default."""
    value = os.environ.get(name)
    if value is not None and not value.strip():
        raise UserError(f"{name}: empty path (unset it for {default})")
    return value


def data_dir() -> Path:
    from platformdirs import user_data_path

    return Path(env_path("POINTEXIT_DATA_DIR", "the user data dir") or user_data_path(APP))


def config_dir() -> Path:
    from platformdirs import user_config_path

    return Path(env_path("POINTEXIT_CONFIG_DIR", "the user config dir") or user_config_path(APP))


def default_db() -> str:
    return str(data_dir() / "pointexit.db")


def demo_db() -> str:
    return str(data_dir() / "demo.db")


def resolve_db(explicit: str | None = None) -> str:
    if explicit:
        return explicit
    return env_path("POINTEXIT_DB", "the default database") or default_db()


class ConfigError(UserError):
    pass


class Config(dict):
    """config.toml's tables, remembering the file they came from for error messages."""

    def __init__(self, data: dict, path: Path):
        super().__init__(data)
        self.path = path


def config_file() -> Path:
    return config_dir() / "config.toml"


def default_wallet() -> Path:
    return config_dir() / "wallet.toml"


def default_page_dir() -> Path:
    return data_dir() / "page"


def load_config(path: Path | None = None) -> Config:
    """The user's config.toml as a dict (empty when there is none).

    The sections and keys it may hold are SETTINGS; any other is refused here.
    Their types and ranges are checked where they are read (config_value).
    """
    path = path or config_file()
    try:
        text = small_files.read_text(path, "utf-8")
    except FileNotFoundError:
        return Config({}, path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {getattr(exc, 'strerror', None) or exc}") from None
    import tomllib  # only with a config to read: every command, `recommend` too, comes here
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {path} is not valid TOML: {exc}") from None
    except ValueError:  # an integer of more digits than Python reads (4,300)
        raise ConfigError(f"config {path} is not valid TOML: a number with too many digits") from None
    check_names(data, path)
    return Config(data, path)


def _point_value_sites() -> tuple[str, ...]:
    from pointexit.catalog import SITES

    # Not dot money's or PeX's: the value of their units is what routes through them compound.
    return tuple(slug for slug, s in SITES.items() if not s.intermediary)


# Every setting config.toml may hold. A misspelt one would otherwise be
# ignored without a word, and the default used in its place.
SETTINGS = {
    "schedule": ("every_hours", "jitter_seconds", "sites", "mirror", "out"),
    "page": ("out", "stale_after_hours"),
    "point_values": _point_value_sites(),
    "calendar": ("year_end", "closed_days"),
}


def check_names(data: dict, path: Path) -> None:
    """A section or key config.toml does not read is a one-line error, with the near name."""
    def unknown(name: str, known, what: str, shown=str) -> ConfigError:
        from difflib import get_close_matches

        near = get_close_matches(name, known, n=1)
        hint = (f"did you mean {shown(near[0])}?" if near
                else "known: " + ", ".join(map(shown, known)))
        return ConfigError(f"config {path}: {what} is not a setting pointexit reads ({hint})")

    for section, table in data.items():
        if section not in SETTINGS:
            raise unknown(section, list(SETTINGS), f"[{section}]" if isinstance(table, dict)
                          else section, lambda name: f"[{name}]")
        if isinstance(table, dict):  # a section of the wrong type is config_value's to report
            for key in table:
                if key not in SETTINGS[section]:
                    raise unknown(key, SETTINGS[section], f"[{section}] {key}")


# The longest span in hours a setting may name: one leap year. Beyond it
# timedelta and APScheduler overflow (inf, 1e10), and no one means it.
LEAP_YEAR_HOURS = 8_784


def _where(config: dict) -> str:
    """How an error names the file the settings came from."""
    return f"config {getattr(config, 'path', None) or config_file()}:"


def config_value(config: dict, section: str, key: str, kind: type, default=None, *,
                 positive: bool = False, minimum=None, maximum=None, items: type | None = None):
    """One typed value from a config section; a wrong type or range is a one-line error.

    positive: a number must be more than 0 (nan and -inf are not); minimum and
    maximum bound it inclusively; items: the type of every element of a list.
    """
    where = _where(config)
    table = config.get(section)
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{where} {section} must be a table ([{section}]), not {table!r}")
    value = (table or {}).get(key, default)
    if value is None or value is default:
        return value
    raw = value  # as written: -5, not -5.0
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ConfigError(f"{where} [{section}] {key} must be a {kind.__name__}, not {value!r}")
    if items is not None:
        for item in value:
            if not isinstance(item, items):
                noun = "string" if items is str else items.__name__
                raise ConfigError(f"{where} [{section}] {key} must be a list of {noun}s, "
                                  f"not {value!r}")
    if kind in (int, float):
        # Written so that nan fails every bound; a float without bounds must be finite.
        if (positive and not value > 0 or minimum is not None and not value >= minimum
                or maximum is not None and not value <= maximum
                or kind is float and not math.isfinite(value)):
            low = ("more than 0" if positive else
                   f"at least {minimum:,}" if minimum is not None else None)
            high = f"at most {maximum:,}" if maximum is not None else None
            must = " and ".join(w for w in (low, high) if w) or "a finite number"
            raise ConfigError(f"{where} [{section}] {key} must be {must}, not {raw!r}")
    return value


# Yen per point a [point_values] entry may give: from ¥0.001 to ¥100.
POINT_VALUE_RANGE = (Fraction(1, 1000), Fraction(100))


def point_values(config: dict) -> dict[str, Fraction]:
    """[point_values]: yen per point of a site, where the user knows better than
    the catalog's default — the reference marks some as conflicting (⚠ Warau:
    1 pt = ¥0.1 in 2017, ¥1 by 2025; Pointtown 20 pt = ¥1). Written as
    `warau = "0.1"`, `pointtown = "1/20"` or a number."""
    table = config.get("point_values")
    if table is None:
        return {}
    where = _where(config)
    if not isinstance(table, dict):
        raise ConfigError(f"{where} point_values must be a table ([point_values]), not {table!r}")
    out = {}
    low, high = POINT_VALUE_RANGE
    for slug, raw in table.items():
        value = None
        if isinstance(raw, (int, float, str)) and not isinstance(raw, bool):
            value = _exact_number(repr(raw) if isinstance(raw, float) else str(raw).strip())
        if value is None or not low <= value <= high:
            raise ConfigError(f"{where} [point_values] {slug} must be yen per point from 0.001 to 100 "
                              f"(\"0.1\", \"1/20\"), not {raw!r}")
        out[slug] = value
    return out


def _exact_number(text: str) -> Fraction | None:
    """"0.1", "1/20", "2" (a float by its shortest repr: 0.1 is 1/10) exactly;
    None for anything else, and for an exponent too large to be a point value
    ("1e999999999" would take forever to make exact)."""
    from decimal import Decimal, InvalidOperation

    num, slash, den = text.partition("/")
    try:
        parts = [Decimal(p) for p in ((num, den) if slash else (num,))]
    except (InvalidOperation, ValueError):
        return None
    if not all(p.is_finite() and (not p or -12 <= p.adjusted() < 6) for p in parts):
        return None
    value = Fraction(parts[0])
    if slash:
        if not parts[1]:
            return None
        value /= Fraction(parts[1])
    return value


def apply_point_values(config: dict) -> None:
    """Put the user's [point_values] in the catalog, before anything reads it
    (every command does this first): spiders convert fees and check the page's
    stated value against it, the advisor and the page price points with it."""
    from pointexit.catalog import set_point_values

    set_point_values(point_values(config))


def business_calendar(config: dict):
    """[calendar]: the days sites do not count as business days besides
    weekends and national holidays. The reference gives the year-end break
    only as "around 12/29–1/3", and each site announces its own dates (and
    some a Golden Week break), so both are the user's to set:
    `year_end = ["12-29", "01-03"]` (the default; `[]` for none) and
    `closed_days = [2027-05-06]`."""
    from datetime import date

    from advisor.business_days import DEFAULT_YEAR_END, Calendar

    where = _where(config)
    year_end = config_value(config, "calendar", "year_end", list, items=str)
    if year_end is None:
        span = DEFAULT_YEAR_END
    elif not year_end:
        span = None
    else:
        span = tuple(_month_day(text) for text in year_end)
        if len(span) != 2 or None in span:
            raise ConfigError(f"{where} [calendar] year_end must be the break's first and last day "
                              f'as ["12-29", "01-03"] (or [] for none), not {year_end!r}')
        # A break runs across New Year for days, not months: ["01-03", "12-29"]
        # (the two swapped) would close almost the whole year.
        first, last = (date(2027 if m < 7 else 2026, m, min(d, 28 if m == 2 else d)) for m, d in span)
        if not 0 <= (last - first).days <= YEAR_END_MAX_DAYS:
            raise ConfigError(f"{where} [calendar] year_end must be a break of at most "
                              f"{YEAR_END_MAX_DAYS + 1} days across New Year, first day first "
                              f'(["12-29", "01-03"]), not {year_end!r}')
    closed = config_value(config, "calendar", "closed_days", list) or []
    days = set()
    for item in closed:
        day = item if type(item) is date else None
        if isinstance(item, str):
            try:
                day = date.fromisoformat(item.strip())
            except ValueError:
                pass
        if day is None:
            raise ConfigError(f"{where} [calendar] closed_days must be a list of dates "
                              f"(2027-05-06), not {item!r}")
        days.add(day)
    return Calendar(year_end=span, closed_days=frozenset(days))


YEAR_END_MAX_DAYS = 30  # 12-15 to 01-14 at the longest


def _month_day(text: str) -> tuple[int, int] | None:
    """"12-29" → (12, 29); None unless a day some year has (02-29 is)."""
    from datetime import date

    month, dash, day = text.strip().partition("-")
    if not (dash and month.isascii() and day.isascii() and month.isdigit() and day.isdigit()):
        return None
    try:
        date(2028, int(month), int(day))  # a leap year: 02-29 is a day
    except ValueError:
        return None
    return int(month), int(day)
