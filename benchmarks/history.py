"""A synthetic but realistic crawl history, written straight into the tables.

Every catalog site has an exit to each of eight destinations; every site is
crawled four times a day (a few runs degraded); an exit's values change about
once a month and each site runs an Amazon campaign about every two months, so
observation rows grow with changes while run rows grow with time — the shape
append-on-change gives a real database. Built in bulk (one transaction)
because five years of runs through the Store would take minutes; the Store's
own growth is measured in bench_storage.

Histories are drawn backwards from END with one random stream per exit, so a
short history is the recent end of a long one: databases of any length agree
on today's rates and campaigns, and the advisor is given the same problem.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

from pointexit.catalog import SITES
from pointexit.clock import JST

DESTINATIONS = ("amazon_gift", "bank", "paypay", "d_point", "rakuten_point", "dotmoney",
                "pex", "waon")
CRAWLS_PER_DAY = 4
CHANGE_EVERY_DAYS = 30
CAMPAIGN_EVERY_DAYS = 60
END = datetime(2026, 11, 23, 9, 0, tzinfo=JST)
STEP = timedelta(hours=24 / CRAWLS_PER_DAY)


def _backwards(rng: random.Random, start: datetime, every_days: float):
    """(since, until) spans on the crawl slots covering start..END, newest first."""
    until = END
    while until >= start:
        slots = max(1, round(rng.expovariate(1 / every_days) * CRAWLS_PER_DAY))
        since = max(start, until - (slots - 1) * STEP)
        yield since, until
        until = since - STEP


def build(db: Path | str, days: int, *, seed: int = 7) -> dict[str, int]:
    from storage.engine import open_engine
    from storage.models import CampaignObservation, CampaignRow, CrawlRun, ExitObservation, ExitRow

    engine = open_engine(db)
    start = END - timedelta(days=days)
    site_index = {site: i for i, site in enumerate(SITES)}

    def run_id(site: str, at: datetime) -> int:
        # Runs go in slot by slot, site by site: the run that saw a change.
        return round((at - start) / STEP) * len(SITES) + site_index[site] + 1

    counts = {"runs": 0, "exits": 0, "observations": 0, "campaigns": 0}
    with engine.begin() as conn:
        rng = random.Random(seed)
        runs = []
        for slot in range(days * CRAWLS_PER_DAY + 1):
            at = start + slot * STEP
            for site in SITES:
                ok = at == END or rng.random() > 0.03
                runs.append(dict(
                    spider=site, site=site, started_at=at, finished_at=at + timedelta(seconds=20),
                    verdict="ok" if ok else "degraded", reason=None if ok else "1 page(s) failed to download",
                    items=8, valid_items=8 if ok else 6, invalid_items=0 if ok else 2,
                    new_observations=0, http_errors=0 if ok else 1, parse_rate_bp=10_000, pid=1234,
                    host="bench", stats_json=json.dumps({
                        "pointexit/items": 8, "pointexit/valid_items": 8,
                        "downloader/response_status_count/200": 2, "pointexit/run_id": 0}),
                ))
        conn.execute(CrawlRun.__table__.insert(), runs)
        counts["runs"] = len(runs)

        observations = []
        for site in SITES:
            for dest in DESTINATIONS:
                exit_id = conn.execute(ExitRow.__table__.insert().values(
                    site=site, destination=dest, variant="", label=f"{dest} ({site})")
                ).inserted_primary_key[0]
                counts["exits"] += 1
                stream = random.Random(f"{seed}/{site}/{dest}")
                for since, until in reversed(list(_backwards(stream, start, CHANGE_EVERY_DAYS))):
                    # Drawn from the span's end, so the same span gets the same rate.
                    rate = random.Random(f"{seed}/{site}/{dest}/{until}").choice((0.98, 1.0, 1.02))
                    points_in = int(500 / SITES[site].yen_per_point * rate)
                    observations.append(dict(
                        exit_id=exit_id, points_in=points_in, value_out=500,
                        minimum_points=points_in, step_points=points_in, fee_points=0,
                        lag_min_days=1, lag_max_days=3, lag_text="申請の翌日より3営業日以内",
                        cap_scope="exit", source_url=f"https://{site}.example/exchange/",
                        first_seen=since, last_seen=until, run_id=run_id(site, since)))
        conn.execute(ExitObservation.__table__.insert(), observations)
        counts["observations"] = len(observations)

        campaigns = []
        for site in SITES:
            stream = random.Random(f"{seed}/{site}/campaigns")
            for n, (since, until) in enumerate(_backwards(stream, start, CAMPAIGN_EVERY_DAYS)):
                window = (until.date() - since.date()).days
                if window < 10:
                    continue  # a gap between campaigns
                starts = datetime.combine(since.date(), datetime.min.time(), JST)
                ends = starts + timedelta(days=min(14, window - 1), hours=23, minutes=59)
                key = f"{site}/{starts:%Y%m%d}"
                campaign_id = conn.execute(CampaignRow.__table__.insert().values(
                    site=site, key=key, destination="amazon_gift")).inserted_primary_key[0]
                seen_until = min(ends, END)
                campaigns.append(dict(
                    campaign_id=campaign_id, destination="amazon_gift", title=f"Amazonギフトカード交換 {1 + n % 3}%増量",
                    kind="bonus", bonus_bp=100 * (1 + n % 3), starts_at=starts, ends_at=ends,
                    first_come=False, in_rate=False, source_url=f"https://{site}.example/campaign/",
                    first_seen=since, last_seen=max(since, seen_until), run_id=run_id(site, since)))
        if campaigns:
            conn.execute(CampaignObservation.__table__.insert(), campaigns)
        counts["campaigns"] = len(campaigns)
    engine.dispose()
    return counts
