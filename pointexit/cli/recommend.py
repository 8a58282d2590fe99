"""`pointexit recommend`: what to exchange, where, when, how much.

Import budget: storage (SQLAlchemy) and the advisor only — no Scrapy,
APScheduler or Jinja2 on this path (a test holds it to that).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Optional

import typer

from pointexit.cli.app import BadOption, DbOption, JsonOption, age_text, app, console, loaded_config, open_db
from pointexit.errors import not_empty
from pointexit.cli.safe_output import dumps

FORECAST_DAYS = 2 * 365  # how far back the wait forecasts read campaigns and rate changes


def parse_balance(text: str) -> tuple[str, int]:
    """`hapitas=1234` → ("hapitas", 1234)."""
    from pointexit.catalog import site

    m = re.fullmatch(r"\s*([a-z_]+)\s*=\s*(-?\d[\d,]*)\s*", text)
    if not m:
        raise BadOption(f"bad --balance {text!r}: expected SITE=POINTS, e.g. hapitas=1234")
    slug = m.group(1)
    try:
        amount = int(m.group(2).replace(",", ""))
    except ValueError:  # more digits than Python turns into an int (4,300)
        raise BadOption(f"bad --balance {text!r}: too many digits") from None
    site(slug)  # raises UnknownSite
    if amount < 0:
        raise BadOption(f"bad --balance {text!r}: points cannot be negative")
    return slug, amount


def parse_date(text: str, what: str) -> date:
    from pointexit.wallet import FIRST_DATE, LAST_DATE, in_range

    try:
        d = date.fromisoformat(text.strip())  # as `--at` is: a pasted value may carry spaces
    except ValueError:
        raise BadOption(f"bad {what} {text!r}: expected a date like 2026-12-10") from None
    if not in_range(d):
        raise BadOption(f"bad {what} {text!r}: out of range ({FIRST_DATE.year}–{LAST_DATE.year})")
    return d


def parse_spend(text: str):
    """`2026-12-10:5000[:fashion]` → Spend."""
    from advisor.model import Spend
    from pointexit.wallet import MAX_SPEND_YEN

    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise BadOption(f"bad --spend {text!r}: expected DATE:YEN[:TAG], e.g. 2026-12-10:5000")
    on = parse_date(parts[0], "--spend date")
    if not re.fullmatch(r"-?\d[\d,]*", parts[1].strip()):
        raise BadOption(f"bad --spend {text!r}: amount must be whole yen, e.g. 5000")
    try:
        yen = int(parts[1].replace(",", ""))
    except ValueError:  # more digits than Python turns into an int (4,300): surely too much
        yen = MAX_SPEND_YEN + 1
    if yen <= 0:
        raise BadOption(f"bad --spend {text!r}: amount must be positive")
    if yen > MAX_SPEND_YEN:
        raise BadOption(f"bad --spend {text!r}: amount must be at most ¥{MAX_SPEND_YEN:,}")
    tag = parts[2].strip() if len(parts) == 3 else None
    if tag is not None and tag not in ("fashion", "abroad"):
        raise BadOption(f"bad --spend {text!r}: tag must be fashion or abroad")
    return Spend(on=on, yen=yen, tag=tag)


def load_wallet_option(path: str | None):
    """The wallet named by --wallet, else the config dir's wallet.toml if present."""
    from pointexit.wallet import Wallet, default_wallet_path, load_wallet, wallet_file

    if path is not None:
        return load_wallet(wallet_file(path, "--wallet"))
    default = default_wallet_path()
    return load_wallet(default) if default.exists() else Wallet()


def end_of(day: date) -> datetime:
    """The end of a day in Japan: the midnight that closes it."""
    from pointexit.clock import JST

    return datetime.combine(day + timedelta(days=1), time.min, JST)


def build_plan(engine, balances: dict[str, int], spends, today: date, wallet=None, now: datetime | None = None,
               calendar=None, as_of: datetime | None = None):
    """Storage + wallet → the advisor's Situation → the plan with warnings and advice.

    calendar: the business days ([calendar] in config.toml, which the command
    read once: pointexit.config.business_calendar); None is the default one.
    as_of: plan on the market as stored at that moment (exits, campaigns,
    offers and rate changes seen before it, judged by the crawls finished
    before it), which is then also `now` unless given; None: all stored."""
    from advisor.advise import Situation, advise
    from advisor.business_days import Calendar
    from pointexit.catalog import POINT_UNITS
    from pointexit.clock import now_jst
    from pointexit.market import (
        expiry_rules, histories, listed_offers, running_campaigns, site_names, to_advisor_exit)
    from storage.queries import (
        campaign_sightings, campaigns, current_exits, rate_history, routing_offer_sightings)

    now = now or as_of or now_jst()
    rows = current_exits(engine, as_of=as_of)
    # The forecasts read the last FORECAST_DAYS of history: sites change how
    # they run campaigns, and years of history would cost every run time for
    # little (issue 5's simulator: 20 years instead of one moved plan quality
    # by 0.1–0.2 pt). Rate changes are read for the sites the user holds
    # points on; campaigns of every exit, as their sizes are pooled per
    # destination (advisor.timing.pooled_sizes).
    window = datetime.combine(today - timedelta(days=FORECAST_DAYS), datetime.min.time(), now.tzinfo)
    camp_rows = campaigns(engine, since=window, as_of=as_of)
    # Gone as of now: the spider's newest ok run no longer listed it (asked only
    # of those that would count: years of history cost every run otherwise).
    running = running_campaigns(camp_rows, now, today)
    gone = {c.campaign_id for c, seen in campaign_sightings(engine, {int(c.ident) for c in running}, as_of)
            if not seen.confirmed and c.last_seen < now}
    if gone:
        running = running_campaigns(camp_rows, now, today, gone)
    held = [e for e in rows if balances.get(e.site, 0) > 0]
    situation = Situation(
        today=today, exits=[to_advisor_exit(e) for e in rows], balances=dict(balances),
        spends=list(spends), campaigns=running,
        offers=listed_offers(routing_offer_sightings(engine, as_of), now, today),
        histories=histories(rows, rate_history(engine, [e.exit_id for e in held], since=window, as_of=as_of),
                            camp_rows, since=window.date()),
        expiry_rules=expiry_rules(), names=site_names(), units=POINT_UNITS,
        calendar=Calendar() if calendar is None else calendar)
    if wallet is not None:
        situation.last_activity = dict(wallet.last_activity)
        this_month = today.replace(day=1)
        situation.cap_used = {site: points for site, (month, points) in wallet.exchanged.items()
                              if month == this_month}
        situation.amazon = wallet.amazon
        situation.destination_values = dict(wallet.destination_values)
    plan = advise(situation)
    if not rows:
        # Every crawl so far failed (or none ran): without this the plan reads
        # "no exchange needed, or none in time" as if the sites had been seen.
        plan.warnings.insert(0, "交換先のデータがありません: `pointexit crawl` の後にもう一度実行してください"
                                "（`pointexit demo` のデータは、それが表示する --db で）")
    return plan


def route_text(route: tuple[str, ...]) -> str:
    from pointexit.catalog import DESTINATIONS, site_name

    names = [site_name(s) for s in route[:-1]]
    last = route[-1] if route else ""
    return " → ".join(names + [DESTINATIONS[last].label if last in DESTINATIONS else last])


def _age(then: datetime | None, now: datetime) -> int | None:
    return int((now - then).total_seconds()) if then else None


def _reason(r, now) -> dict:
    from advisor.model import Reason

    if not isinstance(r, Reason):
        return {"text": str(r), "source_url": None, "seen_at": None, "age_seconds": None}
    return {"text": r.text, "source_url": r.source_url,
            "seen_at": r.seen_at.isoformat() if r.seen_at else None, "age_seconds": _age(r.seen_at, now),
            "more_sources": [{"source_url": u, "seen_at": t.isoformat(), "age_seconds": _age(t, now)}
                             for u, t in r.more_sources]}


def plan_json(plan, today: date, now) -> dict:
    return {
        "today": today.isoformat(),
        "steps": [_step_json(s, today, now) for s in plan.steps],
        # What to apply for today: today's steps less what the wait advice holds.
        "now": [_step_json(s, today, now) for s in plan.now],
        "left": plan.left,
        "covered_by_balance": [{"date": d.isoformat(), "source": src, "yen": y}
                               for d, src, y in plan.covered_by_balance],
        "uncovered": [{"date": d.isoformat(), "yen": y} for d, y in plan.uncovered],
        "shortfall_yen": plan.shortfall,
        "cost_yen": str(plan.cost),
        "warnings": plan.warnings,
        "advice": [{"kind": a.kind, "text": a.text, "numbers": a.numbers, "source_url": a.source_url,
                    "seen_at": a.seen_at.isoformat() if a.seen_at else None,
                    "age_seconds": _age(a.seen_at, now)} for a in plan.advice],
        "reasons": [_reason(r, now) for r in plan.reasons],
    }


def _step_json(s, today: date, now) -> dict:
    from pointexit.catalog import site_name

    return {
            "apply_on": (s.apply_on or today).isoformat(), "apply_by": s.apply_by.isoformat(),
            "site": s.site, "site_name": site_name(s.site),
            "route": list(s.route), "route_text": route_text(s.route), "label": s.label,
            "points": s.points, "fee_points": s.fee_points, "yen": s.yen,
            "arrives_by": s.arrives_by.isoformat(), "for_spend": s.for_spend.isoformat(),
            "hops": [{"exit": h[0], "points": h[1], "units": h[2]} for h in s.hops],
            "cost_yen": str(s.cost), "campaigns": list(s.campaigns), "uncertain": s.uncertain,
            "leftover": [{"site": k, "units": u} for k, u in s.leftover],
            "source_url": s.source_url, "seen_at": s.seen_at.isoformat(),
            "age_seconds": _age(s.seen_at, now),
            "sources": [{"source_url": u, "seen_at": t.isoformat(), "age_seconds": _age(t, now)}
                        for u, t in s.sources],
    }


def _source(url: str | None, seen: datetime | None, now) -> str:
    from pointexit.cli.safe_output import terminal

    if not url:
        return ""
    when = f" ({seen:%Y-%m-%d %H:%M} JST, {age_text(seen, now)})" if seen else ""
    return f" — 出典 {terminal(url)}{when}"


def now_differs(plan, today: date) -> bool:
    """Today's applications (after the wait advice) are not the table's rows
    for today: waiting on some parts can free points for others."""
    def what(step) -> tuple:
        return step.site, step.route, step.points, step.yen

    return sorted(map(what, plan.now)) != sorted(what(s) for s in plan.steps if (s.apply_on or today) == today)


# What a step adds to its route, points and yen, alike in the table and in
# 今日の申請 (the line a user applies from): the campaigns it counts on, the
# fee the application takes on top of the points, 先着 when the yen may not
# all arrive.
def _campaigns_text(step) -> str:
    from pointexit.cli.safe_output import terminal

    # Escaped brackets and all: 「[amazon 2%]」 would read as Rich markup and vanish.
    return " " + terminal(f"[{', '.join(step.campaigns)}]") if step.campaigns else ""


def _points_text(step) -> str:
    from pointexit.catalog import point_unit

    unit = point_unit(step.site)
    return f"{step.points:,}{unit}" + (f" (+手数料{step.fee_points:,}{unit})" if step.fee_points else "")


def _first_come_text(step) -> str:
    return " (先着)" if step.uncertain else ""


def print_plan(plan, today: date, now) -> None:
    from pointexit.cli.safe_output import terminal
    from rich.table import Table

    from advisor.model import Reason
    from pointexit.catalog import point_unit, site_name

    out = console()
    if plan.steps:
        table = Table(title=f"交換プラン ({today.isoformat()} 時点)", title_justify="left")
        for col, just in (("申請日", "left"), ("サイト", "left"), ("ルート", "left"),
                          ("ポイント", "right"), ("受取(円)", "right"), ("到着(遅くとも)", "left"),
                          ("申請期限", "left"), ("使う日", "left")):
            table.add_column(col, justify=just)
        for s in plan.steps:
            table.add_row((s.apply_on or today).isoformat(), site_name(s.site),
                          terminal(route_text(s.route)) + _campaigns_text(s), _points_text(s),
                          f"{s.yen:,}{_first_come_text(s)}", s.arrives_by.isoformat(), s.apply_by.isoformat(),
                          s.for_spend.isoformat())
        out.print(table)
        if any((s.apply_on or today) == today for s in plan.steps):
            if now_differs(plan, today):
                out.print("（表は今日の相場で組んだ全体の計画です。今日の申請は、待つ価値を"
                          "考えたうえで次のとおりです）")
            if plan.now:
                for s in plan.now:
                    out.print(f"[bold]今日の申請:[/bold] {site_name(s.site)} "
                              f"{terminal(route_text(s.route))}{_campaigns_text(s)} {_points_text(s)}"
                              f" → ¥{s.yen:,}{_first_come_text(s)}")
            else:
                out.print("[bold]今日の申請:[/bold] なし（下の助言のとおり待ちます）")
    else:
        out.print("交換は不要か、間に合う交換先がありません。")
    left = ", ".join(f"{site_name(k)} {v:,}{point_unit(k)}" for k, v in plan.left.items())
    out.print(f"残高: {left or '—'}")
    for d, src, y in plan.covered_by_balance:
        out.print(f"{d}: {terminal(src)} から ¥{y:,}")
    for w in plan.warnings:
        out.print(f"[yellow]注意:[/yellow] {terminal(w)}")
    for a in plan.advice:
        out.print(f"[cyan]助言:[/cyan] {terminal(a.text)}{_source(a.source_url, a.seen_at, now)}")
    for r in plan.reasons:
        if isinstance(r, Reason):
            out.print(f"理由: {terminal(r.text)}{_source(r.source_url, r.seen_at, now)}"
                      + "".join(_source(u, t, now).replace(" — ", " ／ ", 1) for u, t in r.more_sources))
        else:
            out.print(f"理由: {terminal(str(r))}")


@app.command("recommend")
def recommend_command(
    ctx: typer.Context,
    wallet: Annotated[Optional[str], typer.Option(
        "--wallet", help="Wallet TOML (default: wallet.toml in the config dir, if present).")] = None,
    balance: Annotated[Optional[list[str]], typer.Option(
        "--balance", help="Points held on a site, SITE=POINTS (once per site, repeatable; replaces the wallet's).")] = None,
    spend: Annotated[Optional[list[str]], typer.Option(
        "--spend", help="Planned Amazon spend, DATE:YEN[:TAG] (repeatable; added to the wallet's).")] = None,
    today: Annotated[Optional[str], typer.Option(
        "--today", help="Plan as of this date (default: today in JST); a past date plans on the market "
                        "as stored at the end of that day.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Which exits to use, how many points, and when to apply so the gift arrives in time."""
    from pointexit.clock import now_jst
    from pointexit.config import business_calendar

    given: dict[str, int] = {}
    for b in balance or []:
        slug, amount = parse_balance(b)
        if slug in given:  # a typo'd site or a stale line in a script; adding them up would hide it
            raise BadOption(f"bad --balance {b!r}: {slug} is already given ({given[slug]:,})")
        given[slug] = amount
    spends = [parse_spend(s) for s in spend or []]
    now = now_jst()
    day = parse_date(today, "--today") if not_empty(today, "--today", "date", "today") else now.date()
    # A past day: what the plan was then, on the market as stored by the end
    # of it, ages counted from then (a later day is a what-if on today's market).
    as_of = end_of(day) if day < now.date() else None
    if as_of is not None:
        now = as_of
    # Before the wallet and the database, as `page` and `schedule` check it:
    # a bad [calendar] is the same one line whatever else is wrong.
    calendar = business_calendar(loaded_config(ctx))
    w = load_wallet_option(wallet)
    balances = {**w.balances, **given}
    engine = open_db(db)
    plan = build_plan(engine, balances, w.spends + spends, day, wallet=w, now=now, calendar=calendar, as_of=as_of)
    if as_json:
        print(dumps(plan_json(plan, day, now)))
    else:
        print_plan(plan, day, now)
