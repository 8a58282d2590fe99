"""Reads the other layers need, answered as plain records."""

from __future__ import annotations

from datetime import datetime
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from storage.models import (
    CampaignObservation,
    CampaignRow,
    CrawlRun,
    ExitObservation,
    ExitRow,
    RoutingOfferObservation,
    RoutingOfferRow,
    SiteRow,
)
from storage.records import (
    CurrentCampaign,
    CurrentExit,
    CurrentRoutingOffer,
    ObservationPoint,
    RateHistory,
    RateStep,
    RunSummary,
)


def _latest_ids(model, group_col):
    return select(func.max(model.id)).group_by(group_col)


def _newest_finished_runs(s: Session, spiders: set[str]) -> dict[str, CrawlRun]:
    """The newest finished run of each spider: one index probe each (newest
    first, stopping at the first finished run) rather than a scan of every run
    ever made, so years of history cost nothing."""
    out = {}
    for spider in sorted(spiders):
        run = s.exec(select(CrawlRun).where(CrawlRun.spider == spider, CrawlRun.verdict != "running")
                     .order_by(CrawlRun.id.desc()).limit(1)).first()
        if run is not None:
            out[spider] = run
    return out


def last_runs(engine: Engine) -> dict[str, RunSummary]:
    """The newest finished-or-running run of each spider."""
    with Session(engine) as s:
        ids = select(func.max(CrawlRun.id)).group_by(CrawlRun.spider)
        rows = s.exec(select(CrawlRun).where(CrawlRun.id.in_(ids))).all()
        return {r.spider: _run_summary(r) for r in rows}


def runs_since(engine: Engine, since) -> list[RunSummary]:
    with Session(engine) as s:
        rows = s.exec(select(CrawlRun).where(CrawlRun.started_at >= since)
                      .order_by(CrawlRun.id)).all()
        return [_run_summary(r) for r in rows]


def _run_summary(r: CrawlRun) -> RunSummary:
    return RunSummary(
        run_id=r.id, spider=r.spider, site=r.site, started_at=r.started_at,
        finished_at=r.finished_at, verdict=r.verdict, reason=r.reason, items=r.items,
        valid_items=r.valid_items, invalid_items=r.invalid_items,
        new_observations=r.new_observations, http_errors=r.http_errors,
        parse_rate_bp=r.parse_rate_bp,
    )


def current_exits(engine: Engine, destination: str | None = None) -> list[CurrentExit]:
    """Newest observation of every exit. Stale when the newest finished run of
    the spider that saw it was not ok, or was ok but no longer saw it."""
    with Session(engine) as s:
        latest = _latest_ids(ExitObservation, ExitObservation.exit_id)
        q = (select(ExitObservation, ExitRow, SiteRow, CrawlRun.spider)
             .join(ExitRow, ExitRow.id == ExitObservation.exit_id)
             .join(SiteRow, SiteRow.slug == ExitRow.site)
             .outerjoin(CrawlRun, CrawlRun.id == ExitObservation.run_id)
             .where(ExitObservation.id.in_(latest)))
        if destination:
            q = q.where(ExitRow.destination == destination)
        rows = s.exec(q).all()
        last_run = _newest_finished_runs(s, {spider for *_, spider in rows if spider})
        return [_current_exit(o, e, site, last_run.get(spider)) for o, e, site, spider in rows]


def _current_exit(o: ExitObservation, e: ExitRow, site: SiteRow, run: CrawlRun | None) -> CurrentExit:
    stale = run is not None and (
        run.verdict != "ok" or (run.finished_at is not None and o.last_seen < run.started_at)
    )
    return CurrentExit(
        exit_id=e.id, site=e.site, site_name=site.name, destination=e.destination,
        variant=e.variant, label=e.label, points_in=o.points_in, value_out=o.value_out,
        minimum_points=o.minimum_points, step_points=o.step_points, fee_points=o.fee_points,
        lag_min_days=o.lag_min_days, lag_max_days=o.lag_max_days, lag_text=o.lag_text,
        daily_cap_points=o.daily_cap_points, monthly_cap_points=o.monthly_cap_points,
        daily_exchanges=o.daily_exchanges, cap_scope=o.cap_scope, cap_text=o.cap_text, source_url=o.source_url,
        first_seen=o.first_seen, last_seen=o.last_seen, site_yen_num=site.yen_num,
        site_yen_den=site.yen_den, stale=stale, max_points=o.max_points,
    )


def exit_history(engine: Engine) -> dict[int, list[ObservationPoint]]:
    with Session(engine) as s:
        rows = s.exec(select(ExitObservation.exit_id, ExitObservation.points_in,
                             ExitObservation.value_out, ExitObservation.first_seen,
                             ExitObservation.last_seen).order_by(ExitObservation.id)).all()
    out: dict[int, list[ObservationPoint]] = {}
    for r in rows:
        out.setdefault(r[0], []).append(ObservationPoint(*r))
    return out


def rate_history(engine: Engine, exit_ids: list[int] | None = None) -> dict[int, RateHistory]:
    """Per exit (all, or those in `exit_ids`): when first seen and each change
    of its rate, compared in SQL with the observation before it, so years of
    append-on-change rows (most of them other changes, or the same rate
    again) are not all read."""
    obs = ExitObservation
    window = dict(partition_by=obs.exit_id, order_by=obs.id)
    steps = select(obs.id, obs.exit_id, obs.first_seen, obs.points_in, obs.value_out,
                   func.lag(obs.points_in).over(**window).label("old_points_in"),
                   func.lag(obs.value_out).over(**window).label("old_value_out"))
    first_seen = select(obs.exit_id, func.min(obs.first_seen)).group_by(obs.exit_id)
    if exit_ids is not None:  # an exit's whole partition, so the window is unchanged
        steps = steps.where(obs.exit_id.in_(exit_ids))
        first_seen = first_seen.where(obs.exit_id.in_(exit_ids))
    steps = steps.subquery()
    changed = (select(steps.c.exit_id, steps.c.first_seen, steps.c.old_points_in,
                      steps.c.old_value_out, steps.c.points_in, steps.c.value_out)
               .where(steps.c.old_points_in.is_not(None),
                      steps.c.value_out * steps.c.old_points_in
                      != steps.c.old_value_out * steps.c.points_in)
               .order_by(steps.c.id))
    with engine.connect() as conn:
        first = conn.execute(first_seen).all()
        rows = conn.execute(changed).all()
    by_exit: dict[int, list[RateStep]] = {}
    for exit_id, *step in rows:
        by_exit.setdefault(exit_id, []).append(RateStep(*step))
    return {exit_id: RateHistory(since, tuple(by_exit.get(exit_id, ()))) for exit_id, since in first}


def _latest_with_identity(s: Session, observation, identity, key):
    """(newest observation, identity row) of every identity that has one."""
    latest = _latest_ids(observation, key)
    return s.exec(select(observation, identity).join(identity, identity.id == key)
                  .where(observation.id.in_(latest))).all()


def _latest_campaigns(s: Session):
    return _latest_with_identity(s, CampaignObservation, CampaignRow, CampaignObservation.campaign_id)


def _current_campaign(o: CampaignObservation, c: CampaignRow) -> CurrentCampaign:
    return CurrentCampaign(
        campaign_id=c.id, site=c.site, destination=c.destination, title=o.title,
        kind=o.kind, bonus_bp=o.bonus_bp, starts_at=o.starts_at, ends_at=o.ends_at,
        cap_points=o.cap_points, cap_text=o.cap_text, first_come=o.first_come,
        source_url=o.source_url, first_seen=o.first_seen, last_seen=o.last_seen,
        in_rate=o.in_rate,
    )


def campaigns(engine: Engine) -> list[CurrentCampaign]:
    """Newest observation of every campaign ever seen (active or not)."""
    with Session(engine) as s:
        return [_current_campaign(o, c) for o, c in _latest_campaigns(s)]


def _latest_offers(s: Session):
    return _latest_with_identity(s, RoutingOfferObservation, RoutingOfferRow,
                                 RoutingOfferObservation.offer_id)


def _current_offer(o: RoutingOfferObservation, r: RoutingOfferRow) -> CurrentRoutingOffer:
    return CurrentRoutingOffer(
        offer_id=r.id, site=r.site, store=r.store, title=o.title, rate_bp=o.rate_bp,
        scope=o.scope, conditions=o.conditions, lag_text=o.lag_text,
        starts_at=o.starts_at, ends_at=o.ends_at, source_url=o.source_url,
        first_seen=o.first_seen, last_seen=o.last_seen,
    )


def routing_offers(engine: Engine) -> list[CurrentRoutingOffer]:
    with Session(engine) as s:
        return [_current_offer(o, r) for o, r in _latest_offers(s)]


@dataclass(frozen=True)
class Sighting:
    """Whether the spider that saw a campaign or offer still sees it.

    Campaigns and offers vanish from pages rather than announce their end: one
    the spider's newest ok run did not see again has ended (`confirmed` is
    False). When that spider's newest run was not ok, nothing can be said
    either way and the value is only stale.
    """

    spider: str | None
    confirmed: bool
    last_verdict: str | None  # the spider's newest finished run

    @property
    def stale(self) -> bool:
        return self.last_verdict not in (None, "ok")


def _sightings(s: Session, observations) -> list[Sighting]:
    run_ids = {o.run_id for o in observations if o.run_id is not None}
    spider_of = dict(s.exec(select(CrawlRun.id, CrawlRun.spider).where(CrawlRun.id.in_(run_ids))).all())
    spiders = set(spider_of.values())
    newest = {r.spider: r for r in s.exec(select(CrawlRun).where(CrawlRun.id.in_(
        select(func.max(CrawlRun.id)).where(CrawlRun.verdict != "running",
                                            CrawlRun.spider.in_(spiders))
        .group_by(CrawlRun.spider))))}
    newest_ok = {r.spider: r for r in s.exec(select(CrawlRun).where(CrawlRun.id.in_(
        select(func.max(CrawlRun.id)).where(CrawlRun.verdict == "ok", CrawlRun.spider.in_(spiders))
        .group_by(CrawlRun.spider))))}
    out = []
    for o in observations:
        spider = spider_of.get(o.run_id)
        ok_run = newest_ok.get(spider)
        last = newest.get(spider)
        out.append(Sighting(spider=spider,
                            confirmed=ok_run is None or o.last_seen >= ok_run.started_at,
                            last_verdict=last.verdict if last else None))
    return out


def campaign_sightings(engine: Engine) -> list[tuple[CurrentCampaign, Sighting]]:
    """Every campaign ever seen, newest values, and whether it is still seen."""
    with Session(engine) as s:
        rows = _latest_campaigns(s)
        return list(zip([_current_campaign(o, c) for o, c in rows], _sightings(s, [o for o, _ in rows])))


def routing_offer_sightings(engine: Engine) -> list[tuple[CurrentRoutingOffer, Sighting]]:
    """Every routing offer ever seen, newest values, and whether it is still seen."""
    with Session(engine) as s:
        rows = _latest_offers(s)
        return list(zip([_current_offer(o, r) for o, r in rows], _sightings(s, [o for o, _ in rows])))


def observation_count(engine: Engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(ExitObservation)).one()


def recent_runs(engine: Engine, per_spider: int = 2) -> dict[str, list[RunSummary]]:
    """The newest finished runs of each spider, newest first."""
    with Session(engine) as s:
        rank = func.row_number().over(partition_by=CrawlRun.spider,
                                      order_by=CrawlRun.id.desc()).label("rank")
        ranked = (select(CrawlRun.id, rank).where(CrawlRun.verdict != "running").subquery())
        rows = s.exec(select(CrawlRun).join(ranked, ranked.c.id == CrawlRun.id)
                      .where(ranked.c.rank <= per_spider).order_by(CrawlRun.id.desc())).all()
    out: dict[str, list[RunSummary]] = {}
    for r in rows:
        out.setdefault(r.spider, []).append(_run_summary(r))
    return out


def first_runs(engine: Engine) -> dict[str, datetime]:
    """When each site was first crawled."""
    with Session(engine) as s:
        rows = s.exec(select(CrawlRun.site, func.min(CrawlRun.started_at))
                      .group_by(CrawlRun.site)).all()
    return {site: at for site, at in rows}


def newest_data(engine: Engine) -> dict[str, datetime]:
    """Per spider, when it last saw any of the values it recorded."""
    newest: dict[str, datetime] = {}
    with Session(engine) as s:
        for model in (ExitObservation, CampaignObservation, RoutingOfferObservation):
            rows = s.exec(select(CrawlRun.spider, func.max(model.last_seen))
                          .join(CrawlRun, CrawlRun.id == model.run_id)
                          .group_by(CrawlRun.spider)).all()
            for spider, at in rows:
                if at is not None and (spider not in newest or at > newest[spider]):
                    newest[spider] = at
    return newest


def _changes(engine: Engine, observation, identity, key, record, limit: int | None):
    """Every observation, newest first, as (identity key, n, record): n is 1 for
    the observation that first saw the thing, 2, 3, ... for each change."""
    n = func.row_number().over(partition_by=key, order_by=observation.id).label("n")
    q = (select(observation, identity, n).join(identity, identity.id == key)
         .order_by(observation.id.desc()))
    with Session(engine) as s:
        rows = s.exec(q.limit(limit) if limit else q).all()
        return [(ident.key, n, record(o, ident)) for o, ident, n in rows]


def campaign_changes(engine: Engine, limit: int | None = None) -> list[tuple[str, int, CurrentCampaign]]:
    """Campaign observations, newest first, as (the campaign's stable key on its
    site, n, record); n = 1 when the campaign appeared, 2, 3, ... its changes."""
    return _changes(engine, CampaignObservation, CampaignRow, CampaignObservation.campaign_id,
                    _current_campaign, limit)


def routing_offer_changes(engine: Engine, limit: int | None = None) -> list[tuple[str, int, CurrentRoutingOffer]]:
    """Routing offer observations, newest first, as (key, n, record) (see campaign_changes)."""
    return _changes(engine, RoutingOfferObservation, RoutingOfferRow, RoutingOfferObservation.offer_id,
                    _current_offer, limit)
