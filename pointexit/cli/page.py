"""`pointexit page`: write the static comparison page and the Atom feed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from pointexit.cli.app import DbOption, app, console, loaded_config

# Strings, not Paths: Path("") is ".", so an empty value (an unset shell
# variable) could not be told from the current directory.
OutOption = Annotated[Optional[str], typer.Option(
    "--out", "-o", help="Directory for index.html and feed.xml (default: [page] out in "
                        "config.toml, else the user data dir's page/).")]
WalletOption = Annotated[Optional[str], typer.Option(
    "--wallet", help="Wallet TOML for the personal section (default: wallet.toml in the "
                     "config dir, when it exists).")]


def page_settings(out: str | None, wallet: str | None, cfg):
    """Where the page goes, which wallet, when values count as stale, and the
    business days the personal section plans with; cfg: the command's config."""
    from pointexit import config
    from pointexit.errors import not_empty
    from pointexit.wallet import wallet_file

    not_empty(out, "--out", "path", "the default directory")
    wallet = wallet_file(wallet, "--wallet")
    out = Path(out or config.config_value(cfg, "page", "out", str) or config.default_page_dir())
    if wallet is None and config.default_wallet().is_file():
        wallet = config.default_wallet()
    # The personal section counts lags in [calendar]: a bad one is one line
    # now, not a failed rebuild after each of `schedule`'s crawls.
    calendar = config.business_calendar(cfg)
    return out.expanduser(), wallet, stale_after_setting(cfg), calendar


def stale_after_setting(cfg):
    """[page] stale_after_hours as a timedelta (48 hours when unset): the page
    and `exits` call a value this old stale."""
    from datetime import timedelta

    from pointexit import config
    from pointexit.page_view import DEFAULT_STALE_AFTER

    hours = config.config_value(cfg, "page", "stale_after_hours", float, positive=True,
                                maximum=config.LEAP_YEAR_HOURS)
    return timedelta(hours=hours) if hours is not None else DEFAULT_STALE_AFTER


def build(db: str | None, out: Path, wallet: Path | None, stale_after, now, calendar=None):
    """Open the database read-only and build; database trouble is one line."""
    from sqlalchemy.exc import DatabaseError

    from pointexit.cli.app import open_db
    from pointexit.page import build_site
    from storage.engine import StorageError

    engine = open_db(db)
    try:
        return build_site(engine, out, now, wallet=wallet, stale_after=stale_after, calendar=calendar)
    except DatabaseError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise StorageError(f"cannot read the database: {reason}") from None
    finally:
        engine.dispose()


@app.command("page")
def page_command(ctx: typer.Context, out: OutOption = None, db: DbOption = None,
                 wallet: WalletOption = None) -> None:
    """Write the comparison page (index.html, opens from file://) and feed.xml."""
    from pointexit.clock import now_jst

    out, wallet, stale_after, calendar = page_settings(out, wallet, loaded_config(ctx))
    built = build(db, out, wallet, stale_after, now_jst(), calendar)
    say = console()
    say.print(f"ページ: {built.index} (交換先 {built.exit_rows} 件, {built.page_bytes / 1024:.0f} KB)")
    say.print(f"フィード: {built.feed} (変更 {built.feed_entries} 件)")
    if not built.exit_rows:
        say.print("まだ交換先のデータがありません (ページにもそう表示しています)。"
                  "`pointexit crawl` の後にもう一度実行してください。")
