"""`pointexit offers`: Amazon routing offers (Amazon Fashion cashback) on now, and lately ended.

Most days there is none, and the command says so in plain words.
"""

from __future__ import annotations

import json

from pointexit.cli.app import DbOption, JsonOption, age_text, app, console, open_db
from pointexit.cli.campaigns import (
    AtOption,
    DaysOption,
    as_of,
    check_days,
    common_json,
    jst,
    percent_text,
    split_listed,
    status_text,
    window_text,
)

NO_FASHION_OFFER = "現在Amazonファッションの還元はありません"


def offer_json(record, sighting, act, wall) -> dict:
    from spiders.routing import is_fashion

    return {
        **common_json(record, sighting, act, wall),
        "store": record.store, "scope": record.scope, "fashion": is_fashion(record.scope),
        "rate_bp": record.rate_bp, "rate_percent": percent_text(record.rate_bp),
        "conditions": record.conditions, "lag_text": record.lag_text,
    }


def fashion_active(on) -> bool:
    from spiders.routing import is_fashion

    return any(act.state == "active" and is_fashion(o.scope) for o, _, act in on)


def print_offers(on, ended, now, wall, days: int) -> None:
    from rich.markup import escape
    from rich.table import Table

    from pointexit.catalog import SITES

    out = console()
    out.print(f"Amazonの還元 (ルーティングオファー) — {jst(now)} (JST) 時点")
    if not fashion_active(on):
        out.print(NO_FASHION_OFFER + "。")
    for title, rows in (("実施中・開始前", on), (f"終了 (過去{days}日)", ended)):
        if not rows:
            continue
        table = Table(title=title, title_justify="left")
        for col in ("サイト", "掲載名", "対象", "還元率", "条件", "承認", "期間 (JST)", "状態", "確認", "出典"):
            table.add_column(col, overflow="fold")
        for o, sighting, act in rows:
            table.add_row(
                escape(SITES[o.site].name if o.site in SITES else o.site), escape(o.title),
                escape(o.scope or "全商品"), f"{percent_text(o.rate_bp)}%",
                escape(o.conditions or "—"), escape(o.lag_text or "—"),
                window_text(o.starts_at, o.ends_at), escape(status_text(sighting, act)),
                age_text(o.last_seen, wall), escape(o.source_url),
            )
        out.print(table)


@app.command("offers")
def offers_command(
    days: DaysOption = 30,
    at: AtOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Amazon routing offers (e.g. Amazon Fashion 0.5–1 %): on now, and ended in the last --days days."""
    from pointexit.clock import now_jst
    from storage.queries import routing_offer_sightings

    days = check_days(days)
    wall = now_jst()
    now = as_of(at, wall)
    engine = open_db(db)
    on, ended = split_listed(routing_offer_sightings(engine), now, days)
    on.sort(key=lambda r: (r[2].state != "active", -r[0].rate_bp, r[0].site))
    if as_json:
        active = fashion_active(on)
        print(json.dumps({"as_of": now.isoformat(), "days": days, "fashion_active": active,
                          "message": None if active else NO_FASHION_OFFER,
                          "active": [offer_json(*r, wall) for r in on],
                          "ended": [offer_json(*r, wall) for r in ended]},
                         ensure_ascii=False, indent=2))
        return
    print_offers(on, ended, now, wall, days)
