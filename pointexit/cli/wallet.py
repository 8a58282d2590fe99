"""`pointexit wallet`: write an example wallet, or check one."""

from __future__ import annotations

import os
import shlex
from typing import Annotated, Optional

import typer

from pointexit.cli.app import app, console

wallet_app = typer.Typer(help="The wallet file: balances, Amazon gift and points, planned spend.",
                         no_args_is_help=True)
app.add_typer(wallet_app, name="wallet")

PathOption = Annotated[Optional[str], typer.Option(
    "--path", help="Wallet file (default: wallet.toml in the config dir).")]


@wallet_app.command("init")
def init_command(path: PathOption = None,
                 force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False) -> None:
    """Write a commented example wallet to edit."""
    from pointexit.wallet import WalletError, default_wallet_path, wallet_file, write_example

    if path is not None and path.rstrip().endswith(("/", os.sep)):
        # Path() drops the slash: `--path ~/wallets/` wrote a file named "wallets".
        raise WalletError(f"{path}: names a directory; give a file, e.g. {path.rstrip()}wallet.toml")
    given = wallet_file(path, "--path")
    written = write_example(given or default_wallet_path(), force=force)
    # Elsewhere than the default, plain `wallet check` and `recommend` would not read it.
    # Quoted as a shell reads it: a path with a space split in two when pasted.
    quoted = shlex.quote(str(written))
    check, recommend = (("pointexit wallet check", "pointexit recommend") if given is None else
                        (f"pointexit wallet check --path {quoted}", f"pointexit recommend --wallet {quoted}"))
    # As written: not Rich markup (a "[x]" in the path vanished), and not broken
    # across lines at the console's width (a pasted command ran as two).
    console().print(f"wrote {written} — edit it, check it with `{check}`, then run `{recommend}`",
                    markup=False, soft_wrap=True)


@wallet_app.command("check")
def check_command(path: PathOption = None) -> None:
    """Read the wallet and summarise it (errors name the key)."""
    from advisor import amazon
    from pointexit.catalog import point_unit, site_name
    from pointexit.wallet import default_wallet_path, load_wallet, wallet_file

    w = load_wallet(wallet_file(path, "--path") or default_wallet_path())
    out = console()
    out.print(f"{w.path}: OK")
    for site, points in w.balances.items():
        seen = w.last_activity.get(site)
        out.print(f"  {site_name(site)}: {points:,}{point_unit(site)}" + (f" (最終利用 {seen})" if seen else ""))
    for lot in w.amazon.gift_lots:
        out.print(f"  {lot.label}: ¥{lot.yen:,} 期限 {lot.expires}"
                  + (f" (到着 {lot.arrives})" if lot.arrives else ""))
    if w.amazon.points:
        out.print(f"  Amazonポイント: {w.amazon.points.points:,}pt")
    for t in w.amazon.timed_points:
        out.print(f"  {amazon.TIMED_POINTS}: {t.points:,}pt 期限 {t.expires}")
    for s in w.spends:
        out.print(f"  予定 {s.on}: ¥{s.yen:,}" + (f" ({s.tag})" if s.tag else ""))
