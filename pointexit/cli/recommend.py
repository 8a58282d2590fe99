"""`pointexit recommend`: what to exchange, where, when, how much.

Import budget: storage (SQLAlchemy) and the advisor only — no Scrapy,
APScheduler or Jinja2 on this path (a test holds it to that).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Optional

import typer

from pointexit.cli.app import BadOption, DbOption, JsonOption, age_text, app, console, open_db
from pointexit.cli.safe_output import dumps


def parse_balance(text: str) -> tuple[str, int]:
    """`hapitas=1234` → ("hapitas", 1234)."""
    from pointexit.catalog import site

    m = re.fullmatch(r"\s*([a-z_]+)\s*=\s*(-?[\d,]+)\s*", text)
    if not m:
        raise BadOption(f"bad --balance {text!r}: expected SITE=POINTS, e.g. hapitas=1234")
    slug, amount = m.group(1), int(m.group(2).replace(",", ""))
    site(slug)  # raises UnknownSite
    if amount < 0:
        raise BadOption(f"bad --balance {text!r}: points cannot be negative")
    return slug, amount


def parse_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadOption(f"bad {what} {text!r}: expected a date like 2026-12-10") from None


def parse_spend(text: str):
    """`2026-12-10:5000[:fashion]` → Spend."""
    from advisor.model import Spend

    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise BadOption(f"bad --spend {text!r}: expected DATE:YEN[:TAG], e.g. 2026-12-10:5000")
    on = parse_date(parts[0], "--spend date")
    if not re.fullmatch(r"-?[\d,]+", parts[1].strip()):
        raise BadOption(f"bad --spend {text!r}: amount must be whole yen, e.g. 5000")
    yen = int(parts[1].replace(",", ""))
    if yen <= 0:
        raise BadOption(f"bad --spend {text!r}: amount must be positive")
    tag = parts[2] if len(parts) == 3 else None
    if tag is not None and tag not in ("fashion", "abroad"):
        raise BadOption(f"bad --spend {text!r}: tag must be fashion or abroad")
    return Spend(on=on, yen=yen, tag=tag)


def build_plan(engine, balances: dict[str, int], spends, today: date):
    from advisor.plan import plan_amazon_cover
    from pointexit.market import to_advisor_exit
    from storage.queries import current_exits

    exits = [to_advisor_exit(e) for e in current_exits(engine, "amazon_gift")]
    return plan_amazon_cover(exits, balances, spends, today)


def plan_json(plan, today: date, now) -> dict:
    return {
        "today": today.isoformat(),
        "steps": [{
            "site": s.site, "label": s.label, "points": s.points, "fee_points": s.fee_points,
            "yen": s.yen, "apply_by": s.apply_by.isoformat(), "arrives_by": s.arrives_by.isoformat(),
            "for_spend": s.for_spend.isoformat(), "source_url": s.source_url,
            "seen_at": s.seen_at.isoformat(), "age_seconds": int((now - s.seen_at).total_seconds()),
        } for s in plan.steps],
        "left": plan.left,
        "uncovered": [{"date": d.isoformat(), "yen": y} for d, y in plan.uncovered],
        "warnings": plan.warnings,
        "reasons": plan.reasons,
    }


def print_plan(plan, today: date, now) -> None:
    from pointexit.cli.safe_output import terminal
    from rich.table import Table

    from pointexit.catalog import SITES

    out = console()
    if plan.steps:
        table = Table(title=f"交換プラン ({today.isoformat()} 時点)", title_justify="left")
        for col in ("申請期限", "サイト", "交換先", "ポイント", "受取(円)", "今日申請なら到着", "使う日"):
            table.add_column(col)
        for s in plan.steps:
            table.add_row(s.apply_by.isoformat(), SITES[s.site].name, terminal(s.label),
                          f"{s.points:,}pt" + (f" (+手数料{s.fee_points:,}pt)" if s.fee_points else ""),
                          f"{s.yen:,}", s.arrives_by.isoformat(), s.for_spend.isoformat())
        out.print(table)
    else:
        out.print("交換は不要か、間に合う交換先がありません。")
    left = ", ".join(f"{SITES[k].name} {v:,}pt" for k, v in plan.left.items())
    out.print(f"残高: {left or '—'}")
    for w in plan.warnings:
        out.print(f"[yellow]注意:[/yellow] {terminal(w)}")
    for s, r in zip(plan.steps, plan.reasons):
        out.print(f"理由: {terminal(r)} — 出典 {terminal(s.source_url)} "
                  f"({s.seen_at:%Y-%m-%d %H:%M} JST, {age_text(s.seen_at, now)})")


@app.command("recommend")
def recommend_command(
    balance: Annotated[Optional[list[str]], typer.Option(
        "--balance", help="Points held on a site, SITE=POINTS (repeatable).")] = None,
    spend: Annotated[Optional[list[str]], typer.Option(
        "--spend", help="Planned Amazon spend, DATE:YEN[:TAG] (repeatable).")] = None,
    today: Annotated[Optional[str], typer.Option("--today", help="Plan as of this date (default: today in JST).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Which exits to use, how many points, and when to apply so the gift arrives in time."""
    from pointexit.clock import now_jst

    balances: dict[str, int] = {}
    for b in balance or []:
        slug, amount = parse_balance(b)
        balances[slug] = balances.get(slug, 0) + amount
    spends = [parse_spend(s) for s in spend or []]
    now = now_jst()
    day = parse_date(today, "--today") if today else now.date()
    engine = open_db(db)
    plan = build_plan(engine, balances, spends, day)
    if as_json:
        print(dumps(plan_json(plan, day, now)))
    else:
        print_plan(plan, day, now)
