"""A synthetic but realistic crawl history, written straight into the tables.

Every catalog site has an exit to each of eight destinations; every site is
crawled four times a day (a few runs degraded); an exit's values change about
once a month, so the observation rows grow with changes while the run rows
grow with time — the shape append-on-change gives a real database. Built in
bulk (one transaction) because five years of runs through the Store would
take minutes; the Store's own growth is measured in bench_storage.
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
END = datetime(2026, 11, 23, 9, 0, tzinfo=JST)


def build(db: Path | str, days: int, *, seed: int = 7) -> dict[str, int]:
    from storage.engine import open_engine
    from storage.models import CrawlRun, ExitObservation, ExitRow

    rng = random.Random(seed)
    engine = open_engine(db)
    start = END - timedelta(days=days)
    step = timedelta(hours=24 / CRAWLS_PER_DAY)
    counts = {"runs": 0, "exits": 0, "observations": 0}
    with engine.begin() as conn:
        exit_ids = {}
        for site in SITES:
            for dest in DESTINATIONS:
                exit_ids[site, dest] = conn.execute(ExitRow.__table__.insert().values(
                    site=site, destination=dest, variant="", label=f"{dest} ({site})")
                ).inserted_primary_key[0]
        counts["exits"] = len(exit_ids)

        runs = []
        n_slots = days * CRAWLS_PER_DAY
        for slot in range(n_slots + 1):
            at = start + slot * step
            for site in SITES:
                ok = slot == n_slots or rng.random() > 0.03
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

        # Runs went in slot by slot, site by site: the run that saw a change.
        site_index = {site: i for i, site in enumerate(SITES)}

        def run_id(site: str, at: datetime) -> int:
            return round((at - start) / step) * len(SITES) + site_index[site] + 1

        observations = []
        for (site, dest), exit_id in exit_ids.items():
            per_point = SITES[site].yen_per_point
            value_out = 500
            at = start
            while at < END:
                points_in = int(value_out / per_point * rng.choice((0.98, 1.0, 1.0, 1.02)))
                until = min(END, at + timedelta(days=rng.expovariate(1 / CHANGE_EVERY_DAYS)))
                observations.append(dict(
                    exit_id=exit_id, points_in=points_in, value_out=value_out,
                    minimum_points=points_in, step_points=points_in, fee_points=0,
                    lag_min_days=1, lag_max_days=3, lag_text="申請の翌日より3営業日以内",
                    cap_scope="exit", source_url=f"https://{site}.example/exchange/",
                    first_seen=at, last_seen=until, run_id=run_id(site, at),
                ))
                at = start + (round((until - start) / step) + 1) * step
        conn.execute(ExitObservation.__table__.insert(), observations)
        counts["observations"] = len(observations)
    engine.dispose()
    return counts
