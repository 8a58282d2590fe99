"""The Typer app and what every command shares. Heavy imports stay inside
commands: `recommend` must not pull in Scrapy, APScheduler or Jinja2."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Optional

import typer

from pointexit.errors import UserError, not_empty

# `-h` as well as `--help`, on the app and (inherited through the context) every command.
HELP_OPTION_NAMES = ["-h", "--help"]

app = typer.Typer(
    help="pointexit: ポイントサイトのポイントを、いつ・どこで・いくら交換するか。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": HELP_OPTION_NAMES},
)


@app.callback()
def _root() -> None:
    # A group even when only one command is loaded (see pointexit.cli.COMMANDS):
    # `pointexit recommend …` must never run as `pointexit …`.
    pass


def _db_given(db: str | None) -> str | None:
    # Else `crawl --db "$DB"` with DB unset would write into the default database.
    return not_empty(db, "--db", "path", "$POINTEXIT_DB or the default database")


DbOption = Annotated[Optional[str], typer.Option(
    "--db", help="Database path or SQLAlchemy URL (default: $POINTEXIT_DB, else the user data dir).",
    callback=_db_given)]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def console():
    import sys

    from rich.console import Console

    # Piped output (files, tests, cron mail) gets wide lines instead of 80 columns.
    width = None if sys.stdout.isatty() else 160
    # emoji=False: a scraped ":gift:" prints as written, like any other markup.
    return Console(highlight=False, emoji=False, soft_wrap=False, width=width)


def loaded_config(ctx: typer.Context):
    """config.toml as `pointexit.cli.main` read it for this command: each
    command reads it once and passes it (or what it says) down. Run any other
    way (a test's runner), the command reads it itself."""
    from pointexit.config import load_config

    return ctx.obj if ctx.obj is not None else load_config()


def open_db(db: str | None, *, create: bool = False):
    from pointexit.config import resolve_db
    from storage.engine import open_engine

    return open_engine(resolve_db(db), create=create)


def age_text(then: datetime, now: datetime) -> str:
    """「3時間前」: how old a value is, in the user's words."""
    delta = now - then
    if delta < timedelta(minutes=1):
        return "たった今"
    if delta < timedelta(hours=1):
        return f"{delta.seconds // 60}分前"
    if delta < timedelta(days=1):
        return f"{delta.seconds // 3600}時間前"
    return f"{delta.days}日前"


class BadOption(UserError):
    pass


def given_time(text: str | None, option: str) -> str | None:
    """A time option's text (`--at`, `--now`); None when not given. An empty
    one (an unset shell variable) is a mistake, not "now"."""
    return not_empty(text, option, "time", "the current time")


def in_jst(when: datetime, option: str, text: str) -> datetime:
    """A time an option named (`--at`, `--now`) in JST; naive means JST.

    Its year must be one `recommend` takes dates in: year 1 or 9999 would
    overflow the shift to JST or the `--days` before it (an internal error,
    exit 1) and an early year reads Tokyo's local mean time (+09:18:59)."""
    from pointexit.clock import JST
    from pointexit.wallet import FIRST_DATE, LAST_DATE

    if not FIRST_DATE.year <= when.year <= LAST_DATE.year:
        raise BadOption(f"bad {option} {text!r}: out of range ({FIRST_DATE.year}–{LAST_DATE.year})")
    return when.replace(tzinfo=JST) if when.tzinfo is None else when.astimezone(JST)
