"""`pointexit offers`: Amazon routing offers (Amazon Fashion cashback) on now, and lately ended.

Most days there is none, and the command says so in plain words.
"""

from __future__ import annotations

from pointexit.cli.app import DbOption, JsonOption, age_text, app
from pointexit.cli.campaigns import (
    AtOption,
    DaysOption,
    common_json,
    listed,
    percent_text,
    print_listed,
    site_name,
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


def offer_row(o, sighting, act, wall) -> list[str]:
    from pointexit.cli.safe_output import terminal

    return [
        terminal(site_name(o.site)), terminal(o.title), terminal(o.scope or "全商品"),
        f"{percent_text(o.rate_bp)}%", terminal(o.conditions or "—"), terminal(o.lag_text or "—"),
        window_text(o.starts_at, o.ends_at), terminal(status_text(sighting, act)),
        age_text(o.last_seen, wall), terminal(o.source_url),
    ]


@app.command("offers")
def offers_command(
    days: DaysOption = 30,
    at: AtOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Amazon routing offers (such as Amazon Fashion 0.5–1 %): on now, and ended in the last --days days."""
    from storage.queries import routing_offer_sightings

    found = listed(routing_offer_sightings, db=db, at=at, days=days, rank=lambda o: -o.rate_bp)
    if as_json:
        active = fashion_active(found.on)
        print(found.json(offer_json, fashion_active=active, message=None if active else NO_FASHION_OFFER))
        return
    print_listed(found, "Amazonの還元 (ルーティングオファー)",
                 ("サイト", "掲載名", "対象", "還元率", "条件", "承認", "期間 (JST)", "状態", "確認", "出典"),
                 offer_row, None if fashion_active(found.on) else NO_FASHION_OFFER + "。")
