"""Campaigns and routing offers are stored append-on-change, like exits,
and their sightings tell what is still on the page."""

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from pointexit.clock import JST
from storage.engine import open_engine
from storage.models import CampaignObservation, RoutingOfferObservation
from storage.queries import (
    campaign_changes,
    campaign_sightings,
    campaigns,
    routing_offer_changes,
    routing_offer_sightings,
    routing_offers,
)
from storage.records import CampaignSeen, RoutingOfferSeen, RunOutcome
from storage.store import Store
from tests.conftest import FROZEN_NOW

OK = RunOutcome("ok", None, 1, 1, 0, 0, 10_000)
T1, T2, T3 = FROZEN_NOW, FROZEN_NOW + timedelta(hours=6), FROZEN_NOW + timedelta(days=1)


def campaign(at, **kw):
    return replace(CampaignSeen(
        site="hapitas", key="amazon:2026-11-01", destination="amazon_gift",
        title="Amazonギフトカード交換 2%増量キャンペーン", kind="bonus", bonus_bp=200,
        source_url="https://hapitas.jp/exchange/", seen_at=at,
        starts_at=datetime(2026, 11, 1, tzinfo=JST), ends_at=datetime(2026, 11, 30, 23, 59, tzinfo=JST)), **kw)


def offer(at, **kw):
    return replace(RoutingOfferSeen(
        site="rakuten_rebates", key="amazon-fashion", store="Amazon", title="Amazon(ファッション)",
        rate_bp=100, source_url="https://www.rebates.jp/stores", seen_at=at, scope="ファッション"), **kw)


def crawl(store, spider, at, campaigns=(), offers=(), outcome=OK):
    run = store.begin_run(spider, "hapitas" if spider.startswith("hapitas") else spider, at)
    return store.finish_run(run, outcome, at, [], list(campaigns), list(offers))


@pytest.fixture
def store(db_path):
    return Store(open_engine(db_path))


def rows(store, model):
    with Session(store.engine) as s:
        return s.exec(select(model).order_by(model.id)).all()


def test_same_campaign_moves_only_last_seen(store):
    assert crawl(store, "hapitas", T1, [campaign(T1)]).new_observations == 1
    assert crawl(store, "hapitas", T2, [campaign(T2)]).new_observations == 0
    [obs] = rows(store, CampaignObservation)
    assert (obs.first_seen, obs.last_seen, obs.bonus_bp) == (T1, T2, 200)


def test_a_changed_campaign_appends_and_keeps_the_old_row(store):
    crawl(store, "hapitas", T1, [campaign(T1)])
    later = datetime(2026, 12, 15, 23, 59, tzinfo=JST)
    assert crawl(store, "hapitas", T3, [campaign(T3, ends_at=later)]).new_observations == 1
    old, new = rows(store, CampaignObservation)
    assert (old.ends_at, new.ends_at) == (datetime(2026, 11, 30, 23, 59, tzinfo=JST), later)
    assert (old.last_seen, new.first_seen) == (T1, T3)
    assert [c.ends_at for c in campaigns(store.engine)] == [later]


def test_same_offer_moves_only_last_seen(store):
    crawl(store, "rakuten_rebates", T1, offers=[offer(T1)])
    assert crawl(store, "rakuten_rebates", T2, offers=[offer(T2)]).new_observations == 0
    [obs] = rows(store, RoutingOfferObservation)
    assert (obs.first_seen, obs.last_seen) == (T1, T2)


def test_a_changed_offer_rate_appends_and_keeps_the_old_row(store):
    crawl(store, "rakuten_rebates", T1, offers=[offer(T1)])
    assert crawl(store, "rakuten_rebates", T3, offers=[offer(T3, rate_bp=50)]).new_observations == 1
    assert [(o.rate_bp, o.first_seen, o.last_seen) for o in rows(store, RoutingOfferObservation)] == [
        (100, T1, T1), (50, T3, T3)]
    assert [o.rate_bp for o in routing_offers(store.engine)] == [50]


def test_a_campaign_seen_for_another_destination_follows_the_page_and_keeps_the_old_row(store):
    """Its own page (same key) now says dot money, not Amazon gift: what is
    current says dot money, and the Amazon gift sighting stays in the history
    as it was seen (it used to keep the first destination for ever)."""
    crawl(store, "hapitas", T1, [campaign(T1)])
    assert crawl(store, "hapitas", T3, [campaign(T3, destination="dotmoney")]).new_observations == 1
    assert [c.destination for c in campaigns(store.engine)] == ["dotmoney"]
    assert [(c.destination, s.confirmed) for c, s in campaign_sightings(store.engine)] == [("dotmoney", True)]
    assert [(key, n, c.destination, c.first_seen, c.last_seen) for key, n, c in campaign_changes(store.engine)] == [
        ("amazon:2026-11-01", 2, "dotmoney", T3, T3), ("amazon:2026-11-01", 1, "amazon_gift", T1, T1)]
    assert crawl(store, "hapitas", T3 + timedelta(hours=1),
                 [campaign(T3 + timedelta(hours=1), destination="dotmoney")]).new_observations == 0


def test_an_offer_seen_for_another_store_follows_the_page_and_keeps_the_old_row(store):
    crawl(store, "rakuten_rebates", T1, offers=[offer(T1)])
    assert crawl(store, "rakuten_rebates", T3, offers=[offer(T3, store="Amazon Fashion")]).new_observations == 1
    assert [o.store for o in routing_offers(store.engine)] == ["Amazon Fashion"]
    assert [(key, n, o.store) for key, n, o in routing_offer_changes(store.engine)] == [
        ("amazon-fashion", 2, "Amazon Fashion"), ("amazon-fashion", 1, "Amazon")]


def test_a_moved_source_url_alone_is_not_a_change(store):
    crawl(store, "rakuten_rebates", T1, offers=[offer(T1)])
    moved = offer(T2, source_url="http://127.0.0.1:8000/rakuten_rebates/stores")
    assert crawl(store, "rakuten_rebates", T2, offers=[moved]).new_observations == 0
    assert rows(store, RoutingOfferObservation)[0].source_url == moved.source_url


@pytest.mark.parametrize("verdict", ["degraded", "failed", "login_required"])
def test_a_bad_run_never_touches_campaigns_or_offers(store, verdict):
    crawl(store, "hapitas", T1, [campaign(T1)], [offer(T1)])
    bad = RunOutcome(verdict, "test", 1, 1, 0, 0, None)
    assert crawl(store, "hapitas", T2, [campaign(T2, bonus_bp=300)], [offer(T2, rate_bp=50)],
                 outcome=bad).new_observations == 0
    [c] = rows(store, CampaignObservation)
    [o] = rows(store, RoutingOfferObservation)
    assert (c.bonus_bp, c.last_seen, o.rate_bp, o.last_seen) == (200, T1, 100, T1)


def test_still_seen_is_confirmed_with_its_spider(store):
    crawl(store, "rakuten_rebates", T1, offers=[offer(T1)])
    crawl(store, "rakuten_rebates", T2, offers=[offer(T2)])
    [(current, sighting)] = routing_offer_sightings(store.engine)
    assert (current.rate_bp, sighting.spider, sighting.confirmed, sighting.stale) == (
        100, "rakuten_rebates", True, False)


def test_not_seen_by_a_later_ok_run_is_not_confirmed(store):
    crawl(store, "rakuten_rebates", T1, offers=[offer(T1)])
    crawl(store, "rakuten_rebates", T2)  # ok, and the offer is gone from the page
    [(current, sighting)] = routing_offer_sightings(store.engine)
    assert (current.last_seen, sighting.confirmed, sighting.stale) == (T1, False, False)


def test_a_later_bad_run_leaves_it_confirmed_but_stale(store):
    crawl(store, "hapitas", T1, [campaign(T1)])
    crawl(store, "hapitas", T2, outcome=RunOutcome("degraded", "layout", 0, 0, 0, 0, None))
    [(current, sighting)] = campaign_sightings(store.engine)
    assert (sighting.confirmed, sighting.stale, sighting.last_verdict) == (True, True, "degraded")


def test_another_spiders_run_does_not_end_it(store):
    """hapitas (exchange) and hapitas_shopping share a site, not their pages."""
    crawl(store, "hapitas_shopping", T1, offers=[offer(T1, site="hapitas", key="itemid/98012")])
    crawl(store, "hapitas", T2, [campaign(T2)])
    [(_, sighting)] = routing_offer_sightings(store.engine)
    assert (sighting.spider, sighting.confirmed) == ("hapitas_shopping", True)
