"""Writing crawl results: one transaction per finished run, append-on-change.

A run is opened when a spider starts (verdict "running") and closed with
everything it saw in a single transaction, so a crawl killed half-way leaves
no partial values behind; the next crawl marks such runs failed.
Only an ok run touches stored values: a degraded or failed run records itself
and nothing else, so good data is never closed or overwritten by a bad crawl.
"""

from __future__ import annotations

import os
import socket
from dataclasses import asdict, fields
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from pointexit.clock import JST
from storage.models import (
    CampaignObservation,
    CampaignRow,
    CrawlRun,
    ExitObservation,
    ExitRow,
    RoutingOfferObservation,
    RoutingOfferRow,
)
from storage.records import CampaignSeen, ExitSeen, RoutingOfferSeen, RunOutcome, RunResult

# Fields that say *where/when* a value was seen, not *what* it is: a change in
# them only refreshes the newest observation.
_PROVENANCE = {"seen_at", "source_url"}

# No crawl takes this long: a run still "running" after it is abandoned, even
# when its pid is alive again (reused) or it ran on another machine.
ABANDONED_AFTER = timedelta(hours=6)


def _values(seen, identity: set[str]) -> dict:
    return {
        f.name: getattr(seen, f.name)
        for f in fields(seen)
        if f.name not in _PROVENANCE and f.name not in identity
    }


def _same(obs, values: dict) -> bool:
    return all(getattr(obs, k) == v for k, v in values.items())


class Store:
    def __init__(self, engine: Engine):
        self.engine = engine

    def begin_run(self, spider: str, site: str, started_at: datetime) -> int:
        with Session(self.engine) as s:
            self._fail_abandoned(s, spider, started_at)
            run = CrawlRun(spider=spider, site=site, started_at=started_at, pid=os.getpid(),
                           host=socket.gethostname())
            s.add(run)
            s.commit()
            return run.id

    def _fail_abandoned(self, s: Session, spider: str, now: datetime) -> None:
        """Runs left "running" by a process that died are closed as failed.

        A pid says something only on its own machine; a run from another one
        (a Scrapyd server, a second crawler on the same PostgreSQL) is left
        alone until it is older than any crawl could be.
        """
        here = socket.gethostname()
        for run in s.exec(select(CrawlRun).where(CrawlRun.spider == spider,
                                                 CrawlRun.verdict == "running")):
            too_old = now - run.started_at > ABANDONED_AFTER
            ours = run.host in (None, here)
            if not too_old and (not ours or (run.pid and run.pid != os.getpid() and _alive(run.pid))):
                continue
            run.verdict = "failed"
            run.reason = "interrupted (process ended before the run finished)"
            s.add(run)

    def finish_run(
        self,
        run_id: int,
        outcome: RunOutcome,
        finished_at: datetime,
        exits: list[ExitSeen] = (),
        campaigns: list[CampaignSeen] = (),
        offers: list[RoutingOfferSeen] = (),
    ) -> RunResult:
        with Session(self.engine) as s:
            run = s.get(CrawlRun, run_id)
            new = 0
            if outcome.verdict == "ok":
                new += sum(self._record_exit(s, e, run_id) for e in exits)
                new += sum(self._record_campaign(s, c, run_id) for c in campaigns)
                new += sum(self._record_offer(s, o, run_id) for o in offers)
            for k, v in asdict(outcome).items():
                setattr(run, k, v)
            run.finished_at = finished_at
            run.new_observations = new
            s.add(run)
            s.commit()
            return RunResult(run_id=run_id, verdict=outcome.verdict, new_observations=new)

    # Each _record_* returns 1 when a new observation row was appended.

    def _record_exit(self, s: Session, e: ExitSeen, run_id: int) -> int:
        ident = s.exec(select(ExitRow).where(
            ExitRow.site == e.site, ExitRow.destination == e.destination,
            ExitRow.variant == e.variant)).first()
        if ident is None:
            ident = ExitRow(site=e.site, destination=e.destination, variant=e.variant, label=e.label)
            s.add(ident)
            s.flush()
        elif ident.label != e.label:
            ident.label = e.label
            s.add(ident)
        values = _values(e, {"site", "destination", "variant", "label"})
        latest = s.exec(select(ExitObservation).where(ExitObservation.exit_id == ident.id)
                        .order_by(ExitObservation.id.desc())).first()
        return _append_or_touch(s, latest, ExitObservation, values, e, run_id, exit_id=ident.id)

    def _record_campaign(self, s: Session, c: CampaignSeen, run_id: int) -> int:
        ident = s.exec(select(CampaignRow).where(
            CampaignRow.site == c.site, CampaignRow.key == c.key)).first()
        if ident is None:
            ident = CampaignRow(site=c.site, key=c.key, destination=c.destination)
            s.add(ident)
            s.flush()
        elif ident.destination != c.destination:  # the page moved it: follow it
            ident.destination = c.destination
            s.add(ident)
        values = _values(c, {"site", "key"})
        latest = s.exec(select(CampaignObservation)
                        .where(CampaignObservation.campaign_id == ident.id)
                        .order_by(CampaignObservation.id.desc())).first()
        return _append_or_touch(s, latest, CampaignObservation, values, c, run_id,
                                campaign_id=ident.id)

    def _record_offer(self, s: Session, o: RoutingOfferSeen, run_id: int) -> int:
        ident = s.exec(select(RoutingOfferRow).where(
            RoutingOfferRow.site == o.site, RoutingOfferRow.key == o.key)).first()
        if ident is None:
            ident = RoutingOfferRow(site=o.site, key=o.key, store=o.store)
            s.add(ident)
            s.flush()
        elif ident.store != o.store:
            ident.store = o.store
            s.add(ident)
        values = _values(o, {"site", "key"})
        latest = s.exec(select(RoutingOfferObservation)
                        .where(RoutingOfferObservation.offer_id == ident.id)
                        .order_by(RoutingOfferObservation.id.desc())).first()
        return _append_or_touch(s, latest, RoutingOfferObservation, values, o, run_id,
                                offer_id=ident.id)


def _append_or_touch(s: Session, latest, model, values: dict, seen, run_id: int, **ident) -> int:
    seen_at = seen.seen_at.astimezone(JST)
    if latest is not None and _same(latest, values):
        latest.last_seen = max(latest.last_seen, seen_at)
        latest.source_url = seen.source_url
        s.add(latest)
        return 0
    s.add(model(**ident, **values, source_url=seen.source_url, first_seen=seen_at,
                last_seen=seen_at, run_id=run_id))
    return 1


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
