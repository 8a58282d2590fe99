"""`pointexit demo`: the whole job offline, on the bundled recorded pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Optional

import typer

from pointexit.cli.app import BadOption, app, console, loaded_config
from pointexit.errors import not_empty

# A sample wallet: a month-end purchase to cover from Hapitas points.
SAMPLE_BALANCES = {"hapitas": 3_210}
SAMPLE_SPEND_IN_DAYS = ((17, 2_400),)


def _demo_db_given(db: str | None) -> str | None:
    # Not the shared --db's wording: the demo never falls back to $POINTEXIT_DB.
    return not_empty(db, "--db", "path", "the demo database")


DemoDbOption = Annotated[Optional[str], typer.Option(
    "--db", help="Database path or SQLAlchemy URL (default: demo.db in the user data dir; "
                 "never $POINTEXIT_DB).",
    callback=_demo_db_given)]


@app.command("demo")
def demo_command(ctx: typer.Context, db: DemoDbOption = None) -> None:
    """Serve the recorded pages on 127.0.0.1, crawl them, then compare and recommend."""
    from advisor.model import Spend
    from pointexit.catalog import point_unit, site_name
    from pointexit.cli.crawl import run_and_report
    from pointexit.cli.exits import print_exits, ranked_exits
    from pointexit.cli.recommend import build_plan, print_plan
    from pointexit.clock import now_jst
    from pointexit.config import business_calendar, demo_db
    from pointexit.crawling import select_spiders
    from pointexit.recorded import serving
    from storage.engine import demo_database_state, mark_demo, open_engine, shown

    calendar = business_calendar(loaded_config(ctx))  # a bad [calendar] stops it before the crawl
    out = console()
    # Never $POINTEXIT_DB: that is the user's real database (the README has
    # them export it), and the recorded pages' values would become its newest.
    path = db or demo_db()
    engine = open_engine(path)
    try:
        if db and demo_database_state(engine) == "real":
            raise BadOption(f"--db {shown(path)} holds real crawls: the demo would add the recorded pages' "
                            "values to them (leave --db out for the demo database, or give a new file)")
        mark_demo(engine)
    finally:
        engine.dispose()
    with serving() as server:
        out.print(f"serving the recorded pages at {server.root_url} (no internet needed)")
        run_and_report(select_spiders([]), db=path, mirror=server.root_url)
    engine = open_engine(path, create=False)
    now = now_jst()
    print_exits(ranked_exits(engine, "amazon_gift"), now, "Amazonギフトカードへの交換 (還元率順)")
    today = now.date()
    spends = [Spend(on=today + timedelta(days=d), yen=y) for d, y in SAMPLE_SPEND_IN_DAYS]
    held = ", ".join(f"{site_name(s)} {n:,}{point_unit(s)}" for s, n in SAMPLE_BALANCES.items())
    out.print(f"\nサンプルの財布: {held}、予定: "
              + ", ".join(f"{s.on} に ¥{s.yen:,}" for s in spends))
    print_plan(build_plan(engine, dict(SAMPLE_BALANCES), spends, today, now=now, calendar=calendar), today, now)
    out.print(f"\nデータベース: {shown(path)}  (例: pointexit exits --db {shown(path)})")
