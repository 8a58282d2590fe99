"""Page + feed build on a generated 5-year history.

History: the 12 catalog sites, 76 exits, one crawl a day per site for five
years (21,912 crawl runs), every exit's rate changing once a week (about
19,800 observation rows), a campaign per site per month (720) and a few
Amazon Fashion routing offers. The first and the last crawl of each site go
through storage.store.Store; the years in between are bulk-inserted rows of
the same models (the fast path: a Store write per daily crawl would take
minutes and measure the store, not the page).

Figures: the build time (read + render + feed + write, target ≤ 1 s) as a
ratio to the bare storage queries it is made of (same run), and the page size
(target ≤ 300 KB).
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from benchmarks import Figure, median_time

YEARS = 5
DAYS = 365 * YEARS + 1
NOW = datetime(2026, 11, 23, 9, 0)
REPEAT = 5
# Each site's exits (intermediaries have their own, fewer).
DESTINATIONS = ("amazon_gift", "bank", "rakuten_point", "paypay", "d_point", "dotmoney", "pex")
INTERMEDIARY_DESTINATIONS = ("amazon_gift", "bank", "d_point")


def _exits_of(site) -> tuple[str, ...]:
    return INTERMEDIARY_DESTINATIONS if site.intermediary else DESTINATIONS


def _rate(site, destination: str, index: int, week: int) -> tuple[int, int]:
    """Rate of an exit in a given week: ±10 yen around par, changing weekly."""
    from fractions import Fraction

    points_in = int(Fraction(500) / site.yen_per_point)
    value = 490 + (week * 31 + index * 7) % 21
    if destination == "pex":
        value *= 10
    return points_in, value


def _seen(site, destination, index, week, at):
    from storage.records import ExitSeen

    points_in, value_out = _rate(site, destination, index, week)
    return ExitSeen(site=site.slug, destination=destination, label=f"{destination} ({site.name})",
                    points_in=points_in, value_out=value_out,
                    source_url=f"{site.base_url}/exchange/{destination}/", seen_at=at,
                    minimum_points=points_in, step_points=points_in, lag_min_days=1,
                    lag_max_days=3 + index % 3, fee_points=0 if index % 4 else points_in // 50)


def generate(db: str, days: int = DAYS) -> dict:
    """The 5-year database (or `days` of it); returns what it holds."""
    from sqlalchemy import insert
    from sqlmodel import Session, select

    from pointexit.catalog import SITES
    from pointexit.clock import JST
    from storage.engine import open_engine
    from storage.models import (CampaignObservation, CampaignRow, CrawlRun, ExitObservation, ExitRow,
                                RoutingOfferObservation, RoutingOfferRow)
    from storage.records import RunOutcome
    from storage.store import Store

    now = NOW.replace(tzinfo=JST)
    start = now - timedelta(days=days - 1)
    engine = open_engine(db)
    store = Store(engine)
    ok = RunOutcome("ok", None, 7, 7, 0, 0, 10_000)

    def store_crawl(site, day: int):
        at = start + timedelta(days=day)
        run = store.begin_run(site.slug, site.slug, at)
        exits = [_seen(site, d, i, day // 7, at) for i, d in enumerate(_exits_of(site))]
        store.finish_run(run, ok, at + timedelta(minutes=2), exits)

    for site in SITES.values():  # day 0 through the Store: identity rows, first values
        store_crawl(site, 0)
    with Session(engine) as s:
        exit_ids = {(e.site, e.destination): e.id for e in s.exec(select(ExitRow))}

    runs, observations = [], []
    run_id = 10_000_000  # ids above what the Store gave, in time order
    for day in range(1, days - 1):
        at = start + timedelta(days=day)
        for site in SITES.values():
            run_id += 1
            runs.append(dict(id=run_id, spider=site.slug, site=site.slug, started_at=at,
                             finished_at=at + timedelta(minutes=2), verdict="ok", items=7,
                             valid_items=7, new_observations=0 if day % 7 else len(_exits_of(site))))
            if day % 7:
                continue
            for i, d in enumerate(_exits_of(site)):
                seen = _seen(site, d, i, day // 7, at)
                observations.append(dict(
                    exit_id=exit_ids[(site.slug, d)], points_in=seen.points_in,
                    value_out=seen.value_out, minimum_points=seen.minimum_points,
                    step_points=seen.step_points, fee_points=seen.fee_points,
                    lag_min_days=seen.lag_min_days, lag_max_days=seen.lag_max_days,
                    cap_scope="exit", source_url=seen.source_url, first_seen=at,
                    last_seen=at + timedelta(days=6), run_id=run_id))
    campaigns, offers = [], []
    with Session(engine) as s:
        s.execute(insert(CrawlRun.__table__), runs)
        s.execute(insert(ExitObservation.__table__), observations)
        for site in SITES.values():
            for month in range(days // 30):
                begins = start + timedelta(days=month * 30 + 3)
                row = CampaignRow(site=site.slug, key=f"m{month}", destination="amazon_gift")
                s.add(row)
                s.flush()
                campaigns.append(dict(
                    campaign_id=row.id, destination="amazon_gift", title=f"{site.name} Amazonギフト増量 第{month + 1}回",
                    kind="bonus", bonus_bp=100 + 100 * (month % 5), starts_at=begins,
                    ends_at=begins + timedelta(days=10), cap_points=30_000 if month % 2 else None,
                    first_come=month % 3 == 0, source_url=f"{site.base_url}/campaign/{month}",
                    first_seen=begins, last_seen=begins + timedelta(days=10)))
        for n in range(days // 180):
            begins = start + timedelta(days=n * 180 + 40)
            row = RoutingOfferRow(site="rakuten_rebates", key=f"fashion{n}", store="Amazon")
            s.add(row)
            s.flush()
            offers.append(dict(
                offer_id=row.id, store="Amazon", title="Amazonファッション 1%還元", rate_bp=50 + 50 * (n % 2),
                scope="ファッション", starts_at=begins, ends_at=begins + timedelta(days=14),
                source_url="https://www.rebates.jp/amazon-fashion", first_seen=begins,
                last_seen=begins + timedelta(days=14)))
        for model, rows in ((CampaignObservation, campaigns), (RoutingOfferObservation, offers)):
            if rows:  # a short history may have none
                s.execute(insert(model.__table__), rows)
        s.commit()
    for site in SITES.values():  # today through the Store again
        store_crawl(site, days - 1)
    engine.dispose()
    return {"runs": len(runs) + 2 * len(SITES), "observations": len(observations),
            "exits": len(exit_ids), "campaigns": len(campaigns), "offers": len(offers)}


def run() -> list[Figure]:
    from pointexit.clock import JST
    from pointexit.page import build_site, read_inputs
    from storage.engine import open_engine

    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "five-years.db")
        held = generate(db)
        engine = open_engine(db, create=False)
        now = NOW.replace(tzinfo=JST)
        out = Path(tmp) / "out"
        build_site(engine, out, now)  # warm: templates compiled, caches filled
        queries = median_time(lambda: read_inputs(engine), REPEAT)
        build = median_time(lambda: build_site(engine, out, now), REPEAT)
        page_kb = (out / "index.html").stat().st_size / 1024
        feed_kb = (out / "feed.xml").stat().st_size / 1024
        engine.dispose()
    shape = (f"{held['exits']} exits, {held['observations']:,} observations, "
             f"{held['runs']:,} runs, {held['campaigns']} campaigns")
    return [
        Figure("page+feed build, 5-year history (s; baseline: its queries)", build, "s",
               baseline=queries, target="≤ 1 s", ok=build <= 1.0, note=shape),
        Figure("page size, 5-year history", page_kb, "KB", target="≤ 300 KB", ok=page_kb <= 300),
        Figure("feed size, 5-year history (newest 200 changes)", feed_kb, "KB"),
    ]
