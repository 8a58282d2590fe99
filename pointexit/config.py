"""Where things live: the database, the config and wallet files.

Database: `--db PATH|URL`, else $POINTEXIT_DB, else the user data dir.
Config:   $POINTEXIT_CONFIG_DIR, else the user config dir (platformdirs).
"""

from __future__ import annotations

import os
from pathlib import Path

from pointexit.errors import UserError

APP = "pointexit"


def data_dir() -> Path:
    from platformdirs import user_data_path

    return Path(os.environ.get("POINTEXIT_DATA_DIR") or user_data_path(APP))


def config_dir() -> Path:
    from platformdirs import user_config_path

    return Path(os.environ.get("POINTEXIT_CONFIG_DIR") or user_config_path(APP))


def default_db() -> str:
    return str(data_dir() / "pointexit.db")


def demo_db() -> str:
    return str(data_dir() / "demo.db")


def resolve_db(explicit: str | None = None, *, demo: bool = False) -> str:
    if explicit:
        return explicit
    if os.environ.get("POINTEXIT_DB"):
        return os.environ["POINTEXIT_DB"]
    return demo_db() if demo else default_db()


class ConfigError(UserError):
    pass


def config_file() -> Path:
    return config_dir() / "config.toml"


def default_wallet() -> Path:
    return config_dir() / "wallet.toml"


def default_page_dir() -> Path:
    return data_dir() / "page"


def load_config(path: Path | None = None) -> dict:
    """The user's config.toml as a dict ({} when there is none).

    Sections read today: [schedule] every_hours, jitter_seconds, out, sites,
    mirror; [page] out, stale_after_hours.
    """
    import tomllib

    path = path or config_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {path} is not valid TOML: {exc}") from None


def config_value(config: dict, section: str, key: str, kind: type, default=None):
    """One typed value from a config section; a wrong type is a one-line error."""
    value = (config.get(section) or {}).get(key, default)
    if value is None or value is default:
        return value
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ConfigError(f"config {config_file()}: [{section}] {key} must be a {kind.__name__}, "
                          f"not {value!r}")
    return value
