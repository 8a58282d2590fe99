"""The listing spiders through the real Scrapy engine against the recorded server:
both recorded states are ok runs, the stored offers are exactly the active
ones, and a redesigned page is degraded without losing anything."""

import shutil

from sqlmodel import Session, select

from pointexit.recorded import RECORDED, RecordedServer
from storage.engine import open_engine
from storage.models import RoutingOfferObservation
from storage.queries import routing_offer_sightings
from tests.shopping_pages import STATES

LISTINGS = ["hapitas_shopping", "moppy_shopping", "pointincome_shopping", "rakuten_rebates"]

DEMO_STATE = {("hapitas", "itemid/98012"), ("rakuten_rebates", "amazon-fashion")}
OTHER_STATE = {("moppy", "shopping/detail.php?site_id=6911"), ("pointincome", "ad/52207")}


def offers(db):
    """{(site, key): (rate_bp, scope, still seen, stale)} as stored."""
    from storage.models import RoutingOfferRow

    engine = open_engine(db, create=False)
    with Session(engine) as s:
        keys = {r.id: (r.site, r.key) for r in s.exec(select(RoutingOfferRow))}
    out = {keys[o.offer_id]: (o.rate_bp, o.scope, sighting.confirmed, sighting.stale)
           for o, sighting in routing_offer_sightings(engine)}
    engine.dispose()
    return out


def observation_count(db):
    engine = open_engine(db, create=False)
    with Session(engine) as s:
        n = len(s.exec(select(RoutingOfferObservation)).all())
    engine.dispose()
    return n


def test_both_states_are_ok_and_store_exactly_the_active_offers(tmp_path, db_path, run_crawl):
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    server = RecordedServer(roots=[overlay, RECORDED]).start()
    try:
        demo = run_crawl(LISTINGS, db_path, mirror=server.root_url)
        after_demo = offers(db_path)

        for site_dir in STATES.iterdir():
            shutil.copytree(site_dir, overlay / site_dir.name, dirs_exist_ok=True)
        other = run_crawl(LISTINGS, db_path, mirror=server.root_url)
        after_other = offers(db_path)

        # PointIncome redesigns its list: no ad boxes any more.
        pi = overlay / "pointincome" / "list.php@category=66"
        pi.write_bytes(pi.read_bytes().replace(b'class="box_ad"', b'class="ad-card"'))
        redesigned = run_crawl(["pointincome_shopping"], db_path, mirror=server.root_url)
    finally:
        server.stop()

    assert {n: r["verdict"] for n, r in demo.items()} == dict.fromkeys(LISTINGS, "ok")
    assert {n: r["items"] for n, r in demo.items()} == {
        "hapitas_shopping": 1, "moppy_shopping": 0, "pointincome_shopping": 0, "rakuten_rebates": 1}
    assert after_demo == {k: (100, "ファッション", True, False) for k in DEMO_STATE}

    assert {n: r["verdict"] for n, r in other.items()} == dict.fromkeys(LISTINGS, "ok")
    assert sum(r["new_observations"] for r in other.values()) == 2
    # The demo state's offers are gone from the pages: kept, but no longer seen.
    assert after_other == {**{k: (100, "ファッション", False, False) for k in DEMO_STATE},
                           **{k: (100, "ファッション", True, False) for k in OTHER_STATE}}

    report = redesigned["pointincome_shopping"]
    assert (report["verdict"], report["items"]) == ("degraded", 0)
    assert "layout" in report["reason"]
    # Nothing lost or closed: PointIncome's offer is still current, only stale.
    final = offers(db_path)
    assert final[("pointincome", "ad/52207")] == (100, "ファッション", True, True)
    assert {k: v for k, v in final.items() if k[0] != "pointincome"} == {
        k: v for k, v in after_other.items() if k[0] != "pointincome"}
    assert observation_count(db_path) == 4
