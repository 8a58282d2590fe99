"""Reads the other layers need, answered as plain records.

Core queries over the light table clauses of `storage.tables`: no ORM
classes are built or loaded, so a read-only command starts quickly and reads
years of history row by row without making an object per row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection, Engine

from storage.records import (
    CurrentCampaign,
    CurrentExit,
    CurrentRoutingOffer,
    ObservationPoint,
    RateHistory,
    RateStep,
    RunSummary,
)
from storage.tables import (
    CAMPAIGN,
    CAMPAIGN_OBSERVATION,
    CRAWL_RUN,
    EXIT,
    EXIT_OBSERVATION,
    ROUTING_OFFER,
    ROUTING_OFFER_OBSERVATION,
    SITE,
)

RUN = CRAWL_RUN.c
# The identity columns read beside an observation (its stable key on its site);
# the destination (store) is the observation's own: it may change under one key.
CAMPAIGN_IDENTITY = ("site", "key")
OFFER_IDENTITY = ("site", "key")


# `as_of` (on the reads `recommend --today` makes): the market as stored at
# that moment: what was first seen before it, judged by the runs finished
# before it. None is now: everything stored.


def _latest_ids(observation, group_col, as_of: datetime | None = None):
    q = select(func.max(observation.c.id)).group_by(group_col)
    return q if as_of is None else q.where(observation.c.first_seen < as_of)


def _finished_by(as_of: datetime | None):
    """A run had finished (its verdict was known) before `as_of`: a run
    closed later as interrupted still read "running" then."""
    return RUN.verdict != "running" if as_of is None else RUN.finished_at < as_of


def _newest_finished_runs(conn: Connection, spiders: set[str], as_of: datetime | None = None) -> dict:
    """The newest finished run of each spider: one index probe each (newest
    first, stopping at the first finished run) rather than a scan of every run
    ever made, so years of history cost nothing."""
    return _newest_runs(conn, spiders, _finished_by(as_of))


def _seen_by(rows, as_of: datetime | None, conn: Connection, spider_of=None) -> list[datetime]:
    """When each observation was last seen as of `as_of`. Storage keeps only
    the newest sighting of an unchanged value: one seen again after `as_of`
    counts as seen by its spider's newest ok run finished before then (when
    that run started, as its staleness is judged), or when first seen if later."""
    if as_of is None:
        return [r.last_seen for r in rows]
    later = [r for r in rows if r.last_seen >= as_of]
    if spider_of is None:
        spider_of = dict(conn.execute(select(RUN.id, RUN.spider).where(
            RUN.id.in_({r.run_id for r in later if r.run_id is not None}))).all()) if later else {}
    ok = _newest_runs(conn, {spider_of.get(r.run_id) for r in later}, RUN.verdict == "ok", as_of)
    out = []
    for r in rows:
        if r.last_seen < as_of:
            out.append(r.last_seen)
            continue
        run = ok.get(spider_of.get(r.run_id))
        out.append(r.first_seen if run is None else min(r.last_seen, max(r.first_seen, run.started_at)))
    return out


def last_runs(engine: Engine) -> dict[str, RunSummary]:
    """The newest finished-or-running run of each spider."""
    ids = select(func.max(RUN.id)).group_by(RUN.spider)
    with engine.connect() as conn:
        rows = conn.execute(select(CRAWL_RUN).where(RUN.id.in_(ids))).all()
    return {r.spider: _run_summary(r) for r in rows}


def runs_since(engine: Engine, since) -> list[RunSummary]:
    with engine.connect() as conn:
        rows = conn.execute(select(CRAWL_RUN).where(RUN.started_at >= since).order_by(RUN.id)).all()
    return [_run_summary(r) for r in rows]


def _run_summary(r) -> RunSummary:
    return RunSummary(
        run_id=r.id, spider=r.spider, site=r.site, started_at=r.started_at,
        finished_at=r.finished_at, verdict=r.verdict, reason=r.reason, items=r.items,
        valid_items=r.valid_items, invalid_items=r.invalid_items,
        new_observations=r.new_observations, http_errors=r.http_errors,
        parse_rate_bp=r.parse_rate_bp,
    )


def current_exits(engine: Engine, destination: str | None = None,
                  as_of: datetime | None = None) -> list[CurrentExit]:
    """Newest observation of every exit. Stale when the newest finished run of
    the spider that saw it was not ok, or was ok but no longer saw it. With
    `as_of`, as stored then (see `_seen_by` for its last sighting)."""
    o, e = EXIT_OBSERVATION.c, EXIT.c
    q = (select(EXIT_OBSERVATION, e.site, e.destination, e.variant, e.label,
                SITE.c.name.label("site_name"), SITE.c.yen_num, SITE.c.yen_den, RUN.spider)
         .join_from(EXIT_OBSERVATION, EXIT, e.id == o.exit_id)
         .join(SITE, SITE.c.slug == e.site)
         .outerjoin(CRAWL_RUN, RUN.id == o.run_id)
         .where(o.id.in_(_latest_ids(EXIT_OBSERVATION, o.exit_id, as_of))))
    if destination:
        q = q.where(e.destination == destination)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
        last_run = _newest_finished_runs(conn, {r.spider for r in rows if r.spider}, as_of)
        seen = _seen_by(rows, as_of, conn, {r.run_id: r.spider for r in rows})
    return [_current_exit(r, last_run.get(r.spider), last_seen) for r, last_seen in zip(rows, seen)]


def _current_exit(r, run, last_seen: datetime) -> CurrentExit:
    stale = run is not None and (
        run.verdict != "ok" or (run.finished_at is not None and last_seen < run.started_at)
    )
    return CurrentExit(
        exit_id=r.exit_id, site=r.site, site_name=r.site_name, destination=r.destination,
        variant=r.variant, label=r.label, points_in=r.points_in, value_out=r.value_out,
        minimum_points=r.minimum_points, step_points=r.step_points, fee_points=r.fee_points,
        lag_min_days=r.lag_min_days, lag_max_days=r.lag_max_days, lag_text=r.lag_text,
        daily_cap_points=r.daily_cap_points, monthly_cap_points=r.monthly_cap_points,
        daily_exchanges=r.daily_exchanges, cap_scope=r.cap_scope, cap_text=r.cap_text,
        source_url=r.source_url, first_seen=r.first_seen, last_seen=last_seen,
        site_yen_num=r.yen_num, site_yen_den=r.yen_den, stale=stale, max_points=r.max_points,
        last_verdict=run.verdict if run is not None else None,
    )


def exit_history(engine: Engine) -> dict[int, list[ObservationPoint]]:
    o = EXIT_OBSERVATION.c
    with engine.connect() as conn:
        rows = conn.execute(select(o.exit_id, o.points_in, o.value_out, o.first_seen, o.last_seen)
                            .order_by(o.id)).all()
    out: dict[int, list[ObservationPoint]] = {}
    for r in rows:
        out.setdefault(r[0], []).append(ObservationPoint(*r))
    return out


def rate_history(engine: Engine, exit_ids: list[int] | None = None,
                 since: datetime | None = None, as_of: datetime | None = None) -> dict[int, RateHistory]:
    """Per exit (all, or those in `exit_ids`): when first seen and each change
    of its rate, compared in SQL with the observation before it, so years of
    append-on-change rows (most of them other changes, or the same rate
    again) are not all read. With `since`, only the changes seen from then on
    (the first of them still compared with the observation before it); with
    `as_of`, only those seen before then."""
    obs = EXIT_OBSERVATION.c
    window = dict(partition_by=obs.exit_id, order_by=obs.id)
    steps = select(obs.id, obs.exit_id, obs.first_seen, obs.points_in, obs.value_out,
                   func.lag(obs.points_in).over(**window).label("old_points_in"),
                   func.lag(obs.value_out).over(**window).label("old_value_out"))
    first_seen = select(obs.exit_id, func.min(obs.first_seen)).group_by(obs.exit_id)
    if exit_ids is not None:  # an exit's whole partition, so the window is unchanged
        steps = steps.where(obs.exit_id.in_(exit_ids))
        first_seen = first_seen.where(obs.exit_id.in_(exit_ids))
    if as_of is not None:  # the later end of each partition: the lags before it are unchanged
        steps = steps.where(obs.first_seen < as_of)
        first_seen = first_seen.where(obs.first_seen < as_of)
    steps = steps.subquery()
    changed = (select(steps.c.exit_id, steps.c.first_seen, steps.c.old_points_in,
                      steps.c.old_value_out, steps.c.points_in, steps.c.value_out)
               .where(steps.c.old_points_in.is_not(None),
                      steps.c.value_out * steps.c.old_points_in
                      != steps.c.old_value_out * steps.c.points_in)
               .order_by(steps.c.id))
    if since is not None:
        changed = changed.where(steps.c.first_seen >= since)
    with engine.connect() as conn:
        first = conn.execute(first_seen).all()
        rows = conn.execute(changed).all()
    by_exit: dict[int, list[RateStep]] = {}
    for exit_id, *step in rows:
        by_exit.setdefault(exit_id, []).append(RateStep(*step))
    return {exit_id: RateHistory(since, tuple(by_exit.get(exit_id, ()))) for exit_id, since in first}


def _latest_with_identity(conn: Connection, observation, identity, key, *identity_columns: str, where=None,
                          as_of: datetime | None = None):
    """The newest observation (first seen before `as_of`, if given) of every
    identity that has one, with the identity's columns named (the
    observation's own `id` is kept)."""
    q = (select(observation, *(identity.c[name] for name in identity_columns))
         .join_from(observation, identity, identity.c.id == key)
         .where(observation.c.id.in_(_latest_ids(observation, key, as_of))))
    return conn.execute(q if where is None else q.where(where)).all()


def _latest_campaigns(conn: Connection, since: datetime | None = None, as_of: datetime | None = None):
    o = CAMPAIGN_OBSERVATION.c
    # running then or later, or still seen since (an open-ended one only while it is seen)
    recent = None if since is None else or_(o.ends_at >= since, o.last_seen >= since)
    return _latest_with_identity(conn, CAMPAIGN_OBSERVATION, CAMPAIGN, o.campaign_id, *CAMPAIGN_IDENTITY,
                                 where=recent, as_of=as_of)


def _as_seen(records: list, last_seen: list[datetime]) -> list:
    """The records with their last sighting as of then (`_seen_by`)."""
    return [rec if rec.last_seen == seen else replace(rec, last_seen=seen)
            for rec, seen in zip(records, last_seen)]


def _current_campaign(r) -> CurrentCampaign:
    return CurrentCampaign(
        campaign_id=r.campaign_id, site=r.site, destination=r.destination, title=r.title,
        kind=r.kind, bonus_bp=r.bonus_bp, starts_at=r.starts_at, ends_at=r.ends_at,
        cap_points=r.cap_points, cap_text=r.cap_text, first_come=r.first_come,
        source_url=r.source_url, first_seen=r.first_seen, last_seen=r.last_seen,
        in_rate=r.in_rate,
    )


def campaigns(engine: Engine, since: datetime | None = None,
              as_of: datetime | None = None) -> list[CurrentCampaign]:
    """Newest observation of every campaign ever seen (active or not); with
    `since`, only those running then or later, or seen since then; with
    `as_of`, as stored then."""
    with engine.connect() as conn:
        rows = _latest_campaigns(conn, since, as_of)
        return _as_seen([_current_campaign(r) for r in rows], _seen_by(rows, as_of, conn))


def _latest_offers(conn: Connection, as_of: datetime | None = None):
    return _latest_with_identity(conn, ROUTING_OFFER_OBSERVATION, ROUTING_OFFER,
                                 ROUTING_OFFER_OBSERVATION.c.offer_id, *OFFER_IDENTITY, as_of=as_of)


def _current_offer(r) -> CurrentRoutingOffer:
    return CurrentRoutingOffer(
        offer_id=r.offer_id, site=r.site, store=r.store, title=r.title, rate_bp=r.rate_bp,
        scope=r.scope, conditions=r.conditions, lag_text=r.lag_text,
        starts_at=r.starts_at, ends_at=r.ends_at, source_url=r.source_url,
        first_seen=r.first_seen, last_seen=r.last_seen,
    )


def routing_offers(engine: Engine) -> list[CurrentRoutingOffer]:
    with engine.connect() as conn:
        return [_current_offer(r) for r in _latest_offers(conn)]


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


def _newest_runs(conn: Connection, spiders: set[str], verdict_is, as_of: datetime | None = None) -> dict:
    """Per spider, its newest run whose verdict passes `verdict_is` (a SQL
    condition), among those finished before `as_of` if given."""
    # One newest-first walk of the (spider, id) index per spider: a MAX(id) over
    # the spiders' runs read every one of them (years of runs: ~40 ms each call).
    # With `as_of`, the walk passes over the runs finished since then.
    if as_of is not None:
        verdict_is = verdict_is & (RUN.finished_at < as_of)
    out = {}
    for spider in sorted(s for s in spiders if s is not None):
        row = conn.execute(select(CRAWL_RUN).where(RUN.spider == spider, verdict_is)
                           .order_by(RUN.id.desc()).limit(1)).first()
        if row is not None:
            out[spider] = row
    return out


def _sightings(conn: Connection, observations, records: list, as_of: datetime | None = None) -> list[tuple]:
    """(record, Sighting) per observation, as of `as_of` if given (the
    records' last sightings then: `_seen_by`)."""
    run_ids = {o.run_id for o in observations if o.run_id is not None}
    spider_of = dict(conn.execute(select(RUN.id, RUN.spider).where(RUN.id.in_(run_ids))).all())
    spiders = set(spider_of.values())
    newest = _newest_runs(conn, spiders, _finished_by(as_of))
    newest_ok = _newest_runs(conn, spiders, RUN.verdict == "ok", as_of)
    records = _as_seen(records, _seen_by(observations, as_of, conn, spider_of))
    out = []
    for o, rec in zip(observations, records):
        spider = spider_of.get(o.run_id)
        ok_run = newest_ok.get(spider)
        last = newest.get(spider)
        out.append((rec, Sighting(spider=spider,
                                  confirmed=ok_run is None or rec.last_seen >= ok_run.started_at,
                                  last_verdict=last.verdict if last else None)))
    return out


def campaign_sightings(engine: Engine, ids: set[int] | None = None,
                       as_of: datetime | None = None) -> list[tuple[CurrentCampaign, Sighting]]:
    """Every campaign ever seen (or those of `ids`), newest values, and whether
    it is still seen (as stored at `as_of`, if given)."""
    if ids is not None and not ids:
        return []
    with engine.connect() as conn:
        if ids is None:
            rows = _latest_campaigns(conn, as_of=as_of)
        else:
            o = CAMPAIGN_OBSERVATION.c
            rows = _latest_with_identity(conn, CAMPAIGN_OBSERVATION, CAMPAIGN, o.campaign_id,
                                         *CAMPAIGN_IDENTITY, where=o.campaign_id.in_(ids), as_of=as_of)
        return _sightings(conn, rows, [_current_campaign(r) for r in rows], as_of)


def routing_offer_sightings(engine: Engine, as_of: datetime | None = None
                            ) -> list[tuple[CurrentRoutingOffer, Sighting]]:
    """Every routing offer ever seen, newest values, and whether it is still
    seen (as stored at `as_of`, if given)."""
    with engine.connect() as conn:
        rows = _latest_offers(conn, as_of)
        return _sightings(conn, rows, [_current_offer(r) for r in rows], as_of)


def observation_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(EXIT_OBSERVATION)).scalar_one()


def recent_runs(engine: Engine, per_spider: int = 2, until=None) -> dict[str, list[RunSummary]]:
    """The newest finished runs of each spider, newest first (started by `until`, if given)."""
    rank = func.row_number().over(partition_by=RUN.spider, order_by=RUN.id.desc()).label("rank")
    finished = select(RUN.id, rank).where(RUN.verdict != "running")
    ranked = (finished if until is None else finished.where(RUN.started_at <= until)).subquery()
    with engine.connect() as conn:
        rows = conn.execute(select(CRAWL_RUN).join(ranked, ranked.c.id == RUN.id)
                            .where(ranked.c.rank <= per_spider).order_by(RUN.id.desc())).all()
    out: dict[str, list[RunSummary]] = {}
    for r in rows:
        out.setdefault(r.spider, []).append(_run_summary(r))
    return out


def first_runs(engine: Engine) -> dict[str, datetime]:
    """When each site was first crawled."""
    with engine.connect() as conn:
        rows = conn.execute(select(RUN.site, func.min(RUN.started_at)).group_by(RUN.site)).all()
    return {site: at for site, at in rows}


def ok_runs_stored_by(engine: Engine, until) -> dict[str, datetime]:
    """Per spider, when its newest ok run that read values had stored them by `until`
    (only ok runs store values)."""
    with engine.connect() as conn:
        rows = conn.execute(select(RUN.spider, func.max(RUN.finished_at))
                            .where(RUN.verdict == "ok", RUN.valid_items > 0, RUN.finished_at <= until)
                            .group_by(RUN.spider)).all()
    return {spider: at for spider, at in rows if at is not None}


def newest_data(engine: Engine) -> dict[str, datetime]:
    """Per spider, when it last saw any of the values it recorded."""
    newest: dict[str, datetime] = {}
    with engine.connect() as conn:
        for observation in (EXIT_OBSERVATION, CAMPAIGN_OBSERVATION, ROUTING_OFFER_OBSERVATION):
            rows = conn.execute(select(RUN.spider, func.max(observation.c.last_seen))
                                .join_from(observation, CRAWL_RUN, RUN.id == observation.c.run_id)
                                .group_by(RUN.spider)).all()
            for spider, at in rows:
                if at is not None and (spider not in newest or at > newest[spider]):
                    newest[spider] = at
    return newest


def _changes(engine: Engine, observation, identity, key, identity_columns, record, limit: int | None):
    """Every observation, newest first, as (identity key, n, record): n is 1 for
    the observation that first saw the thing, 2, 3, ... for each change."""
    n = func.row_number().over(partition_by=key, order_by=observation.c.id).label("n")
    q = (select(observation, *(identity.c[name] for name in identity_columns), n)
         .join_from(observation, identity, identity.c.id == key)
         .order_by(observation.c.id.desc()))
    with engine.connect() as conn:
        rows = conn.execute(q.limit(limit) if limit else q).all()
    return [(r.key, r.n, record(r)) for r in rows]


def campaign_changes(engine: Engine, limit: int | None = None) -> list[tuple[str, int, CurrentCampaign]]:
    """Campaign observations, newest first, as (the campaign's stable key on its
    site, n, record); n = 1 when the campaign appeared, 2, 3, ... its changes."""
    return _changes(engine, CAMPAIGN_OBSERVATION, CAMPAIGN, CAMPAIGN_OBSERVATION.c.campaign_id,
                    CAMPAIGN_IDENTITY, _current_campaign, limit)


def routing_offer_changes(engine: Engine, limit: int | None = None) -> list[tuple[str, int, CurrentRoutingOffer]]:
    """Routing offer observations, newest first, as (key, n, record) (see campaign_changes)."""
    return _changes(engine, ROUTING_OFFER_OBSERVATION, ROUTING_OFFER, ROUTING_OFFER_OBSERVATION.c.offer_id,
                    OFFER_IDENTITY, _current_offer, limit)
