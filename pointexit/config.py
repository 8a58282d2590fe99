"""Where things live: the database, the config and wallet files.

Database: `--db PATH|URL`, else $POINTEXIT_DB, else the user data dir.
Config:   $POINTEXIT_CONFIG_DIR, else the user config dir (platformdirs).
"""

from __future__ import annotations

import os
from pathlib import Path

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
