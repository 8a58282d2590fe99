"""`pointexit exits`: the current comparison, best return first."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from pointexit.cli.app import BadOption, DbOption, JsonOption, age_text, app, console, loaded_config, open_db
from pointexit.errors import not_empty
from pointexit.cli.safe_output import dumps


def _lag(e) -> str:
    if e.lag_max_days is None:
        return e.lag_text or "—"
    if e.lag_max_days == 0:
        return "即時"
    span = (f"{e.lag_max_days}" if e.lag_min_days == e.lag_max_days
            else f"{e.lag_min_days}〜{e.lag_max_days}")
    return f"{span}営業日"


def ranked_exits(engine, destination: str | None):
    """Current exits with their return rate, best first (non-money last)."""
    from storage.queries import current_exits
    from pointexit.market import return_rate

    rows = [(e, return_rate(e)) for e in current_exits(engine, destination)]
    rows.sort(key=lambda r: (r[1] is None, -(r[1] or 0), r[0].site, r[0].label))
    return rows


def stale_reasons(rows, now, stale_after) -> list[str]:
    """The page's rule, row by row: stale after a bad run, or when not seen
    for stale_after ("" when fresh)."""
    from pointexit.page_view import DEFAULT_STALE_AFTER, staleness

    return [staleness(e, now, stale_after or DEFAULT_STALE_AFTER) for e, _ in rows]


def exits_json(rows, now, stale_after) -> list[dict]:
    from pointexit.market import yen_per_site_point
    from advisor.plan import rate_text

    out = []
    for (e, rate), reason in zip(rows, stale_reasons(rows, now, stale_after)):
        per_pt = yen_per_site_point(e)
        out.append({
            "site": e.site, "site_name": e.site_name, "destination": e.destination,
            "variant": e.variant, "label": e.label,
            "points_in": e.points_in, "value_out": e.value_out,
            "yen_per_point": rate_text(per_pt) if per_pt is not None else None,
            "return_rate": rate_text(rate, 6) if rate is not None else None,
            "minimum_points": e.minimum_points, "step_points": e.step_points,
            "max_points": e.max_points,
            "fee_points": e.fee_points, "lag_min_days": e.lag_min_days,
            "lag_max_days": e.lag_max_days, "lag_text": e.lag_text,
            "daily_cap_points": e.daily_cap_points, "monthly_cap_points": e.monthly_cap_points,
            "daily_exchanges": e.daily_exchanges, "cap_scope": e.cap_scope,
            "cap_text": e.cap_text, "source_url": e.source_url,
            "first_seen": e.first_seen.isoformat(), "last_seen": e.last_seen.isoformat(),
            "age_seconds": int((now - e.last_seen).total_seconds()),
            "stale": bool(reason), "stale_reason": reason or None,
        })
    return out


def print_exits(rows, now, title: str, stale_after=None) -> None:
    from rich.table import Table
    from pointexit.cli.safe_output import terminal

    from advisor.plan import rate_text
    from pointexit.catalog import DESTINATIONS, point_unit
    from pointexit.market import yen_per_site_point

    table = Table(title=title, title_justify="left")
    for col, just in (("サイト", "left"), ("交換先", "left"), ("レート", "left"),
                      ("円/pt", "right"), ("還元率", "right"), ("最低", "right"),
                      ("単位", "right"), ("手数料", "right"), ("反映", "left"), ("確認", "left")):
        # Folded, not cut short with "…": a shortened label loses which bank or
        # amount a row is (モッピー's five 「現金(銀行振込) …」 rows look alike).
        table.add_column(col, justify=just, overflow="fold")
    for (e, rate), reason in zip(rows, stale_reasons(rows, now, stale_after)):
        per_pt = yen_per_site_point(e)
        unit = DESTINATIONS.get(e.destination)
        table.add_row(
            terminal(e.site_name), terminal(e.label),
            f"{e.points_in:,}{point_unit(e.site)} → {e.value_out:,}{unit.unit if unit else ''}",
            rate_text(per_pt) if per_pt is not None else "—",
            f"{rate_text(rate * 100, 2)}%" if rate is not None else "—",
            f"{e.minimum_points:,}" if e.minimum_points else "—",
            f"{e.step_points:,}" if e.step_points else "—",
            f"{e.fee_points:,}{point_unit(e.site)}" if e.fee_points else "無料",
            terminal(_lag(e)),
            # The reason is in --json; a 160-column table has no room for it.
            age_text(e.last_seen, now) + (" (古い)" if reason else ""),
        )
    console().print(table)


@app.command("exits")
def exits_command(
    ctx: typer.Context,
    destination: Annotated[Optional[str], typer.Option(
        "--destination", "-d", help="Only this destination (amazon_gift, bank, paypay, ...).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compare every site's exits: best return (還元率) first, with yen per point, min, step, fee, lag and age."""
    from pointexit.catalog import DESTINATIONS
    from pointexit.cli.page import stale_after_setting
    from pointexit.clock import now_jst

    not_empty(destination, "--destination", "value", "every destination")
    if destination and destination not in DESTINATIONS:
        raise BadOption(f"unknown destination {destination!r}; known: {', '.join(DESTINATIONS)}")
    stale_after = stale_after_setting(loaded_config(ctx))
    engine = open_db(db)
    now = now_jst()
    rows = ranked_exits(engine, destination)
    if as_json:
        print(dumps(exits_json(rows, now, stale_after)))
        return
    if not rows:
        console().print("交換先のデータがありません。`pointexit crawl` を実行してください (`pointexit demo` のデータは、それが表示する --db で)。")
        return
    label = DESTINATIONS[destination].label if destination else "すべての交換先"
    print_exits(rows, now, f"交換先の比較 ({label}) — 還元率 = 受取額 ÷ 交換ポイントの円換算 (最低交換時、手数料込み)",
                stale_after)
