"""A small stored market for the page and feed tests, written through Store.

Built to exercise every rule the page shows (numbers are the reference's):
- hapitas: Amazon 500→500 for ten days, then 490 pt → ¥500 (a step in the chart);
  an active first-come, capped +2 % campaign on it; dot money and PeX exits
  whose routes do NOT beat its direct Amazon exit.
- moppy: Amazon 500 → ¥500 at par; via dot money (297 マネー → ¥300) it gets
  100/99 > 1, so the route is shown; no bank exit, so the route to bank
  through dot money is shown too. An expired and a future campaign.
- pointincome (10 pt = ¥1): its latest run is degraded, so its values are stale.
- gendama: a hostile site name and label (markup that must stay text).
- rakuten_rebates: an active Amazon Fashion routing offer (1 %); hapitas an
  Amazon listing stored at 0 % (no offer).
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from storage.engine import open_engine
from storage.models import SiteRow
from storage.records import CampaignSeen, ExitSeen, RoutingOfferSeen, RunOutcome
from storage.store import Store
from tests.conftest import FROZEN_NOW

NOW = FROZEN_NOW
START = NOW - timedelta(days=30)
EVIL_NAME = "げん玉<script>alert(1)</script>"
EVIL_LABEL = 'Amazon<img src=x onerror="alert(2)">ギフト'
OK = RunOutcome("ok", None, 1, 1, 0, 0, 10_000)
DEGRADED = RunOutcome("degraded", "only 1 items, expected at least 5", 1, 1, 0, 0, 10_000)


def exit_seen(site, destination, label, points_in, value_out, at, **kw):
    kw.setdefault("minimum_points", points_in)
    kw.setdefault("step_points", points_in)
    kw.setdefault("lag_min_days", 1)
    kw.setdefault("lag_max_days", 3)
    return ExitSeen(site=site, destination=destination, label=label, points_in=points_in,
                    value_out=value_out, source_url=f"https://{site}.example/exchange/{destination}",
                    seen_at=at, **kw)


def crawl(store, site, at, exits=(), campaigns=(), offers=(), outcome=OK):
    run = store.begin_run(site, site, at)
    return store.finish_run(run, outcome, at, list(exits), list(campaigns), list(offers))


def hapitas_exits(at, amazon_points=490):
    return [
        exit_seen("hapitas", "amazon_gift", "Amazonギフトカード", amazon_points, 500, at,
                  monthly_cap_points=30_000, cap_scope="site"),
        exit_seen("hapitas", "bank", "銀行振込", 300, 300, at, step_points=100),
        exit_seen("hapitas", "dotmoney", "ドットマネー", 300, 300, at, step_points=100),
        exit_seen("hapitas", "pex", "PeX", 300, 3000, at, step_points=100),
    ]


def hapitas_campaign(at, **kw):
    values = dict(site="hapitas", key="amazon-2pct", destination="amazon_gift",
                  title="Amazonギフトカード交換 2%増量キャンペーン", kind="bonus", bonus_bp=200,
                  source_url="https://hapitas.example/campaign/amazon", seen_at=at,
                  starts_at=NOW - timedelta(days=5), ends_at=NOW + timedelta(days=5),
                  cap_points=30_000, first_come=True)
    values.update(kw)
    return CampaignSeen(**values)


def first_come_plan(tmp_path, title: str):
    """(engine, wallet): Hapitas alone with its first-come campaign titled
    `title`, and a wallet whose one step counts on it (500 pt → ¥510)."""
    engine = open_engine(str(tmp_path / "first_come.db"))
    at = NOW - timedelta(hours=1)
    crawl(Store(engine), "hapitas", at, hapitas_exits(at, amazon_points=500),
          campaigns=[hapitas_campaign(at, title=title)])
    wallet = tmp_path / "wallet.toml"
    wallet.write_text("[sites.hapitas]\npoints = 1000\n\n[[spend]]\ndate = 2026-12-10\nyen = 500\n",
                      encoding="utf-8")
    return engine, wallet


def fee_and_first_come_plan(tmp_path, title: str):
    """(engine, wallet): ECナビ alone, its Amazon exit taking a 1,000 pt fee on
    top of the 5,000 pt exchanged, with a first-come campaign titled `title`;
    the wallet's one step is today's application (5,000 pt → ¥510), as the
    spend is too near for the wait advice to hold it back."""
    engine = open_engine(str(tmp_path / "fee_first_come.db"))
    at = NOW - timedelta(hours=1)
    crawl(Store(engine), "ecnavi", at, [exit_seen("ecnavi", "amazon_gift", "Amazonギフト券", 5000, 500, at,
                                                  fee_points=1000, lag_min_days=0, lag_max_days=0)],
          campaigns=[hapitas_campaign(at, site="ecnavi", key="amazon-up", title=title,
                                      source_url="https://ecnavi.example/campaign/amazon")])
    wallet = tmp_path / "wallet.toml"
    wallet.write_text("[sites.ecnavi]\npoints = 7000\n\n[[spend]]\ndate = 2026-11-24\nyen = 500\n",
                      encoding="utf-8")
    return engine, wallet


def fashion_offer(at, **kw):
    values = dict(site="rakuten_rebates", key="amazon-fashion", store="Amazon",
                  title="Amazonファッション 1%還元", rate_bp=100,
                  source_url="https://rakuten_rebates.example/amazon-fashion", seen_at=at,
                  scope="ファッション", conditions="ファッションカテゴリの商品のみ",
                  starts_at=NOW - timedelta(days=1), ends_at=NOW + timedelta(days=6))
    values.update(kw)
    return RoutingOfferSeen(**values)


def build_world(db_path: str, *, with_offer: bool = True):
    engine = open_engine(db_path)
    store = Store(engine)
    crawl(store, "hapitas", START, hapitas_exits(START, amazon_points=500))
    crawl(store, "hapitas", START + timedelta(days=10), hapitas_exits(START + timedelta(days=10)))
    crawl(store, "hapitas", NOW - timedelta(hours=3), hapitas_exits(NOW - timedelta(hours=3)),
          campaigns=[hapitas_campaign(NOW - timedelta(hours=3))],
          offers=[RoutingOfferSeen(site="hapitas", key="amazon", store="Amazon", title="Amazon",
                                   rate_bp=0, source_url="https://hapitas.example/shopping/amazon",
                                   seen_at=NOW - timedelta(hours=3))])
    moppy_at = NOW - timedelta(hours=2)
    crawl(store, "moppy", moppy_at, [
        exit_seen("moppy", "amazon_gift", "Amazonギフト券", 500, 500, moppy_at),
        exit_seen("moppy", "dotmoney", "ドットマネー", 300, 300, moppy_at, lag_min_days=0,
                  lag_max_days=0),
    ], campaigns=[
        CampaignSeen(site="moppy", key="old", destination="amazon_gift", title="終わった1%割引",
                     kind="discount", bonus_bp=100, source_url="https://moppy.example/c/old",
                     seen_at=moppy_at, starts_at=NOW - timedelta(days=20),
                     ends_at=NOW - timedelta(days=10)),
        CampaignSeen(site="moppy", key="soon", destination="amazon_gift", title="これからの増量",
                     kind="bonus", bonus_bp=300, source_url="https://moppy.example/c/soon",
                     seen_at=moppy_at, starts_at=NOW + timedelta(days=3)),
    ])
    pi_at = NOW - timedelta(days=1)
    crawl(store, "pointincome", pi_at, [
        exit_seen("pointincome", "amazon_gift", "Amazonギフト券", 5000, 500, pi_at, lag_max_days=1),
        exit_seen("pointincome", "bank", "ゆうちょ銀行", 6000, 500, pi_at, fee_points=1000,
                  lag_max_days=2),
    ])
    crawl(store, "pointincome", NOW - timedelta(hours=1), outcome=DEGRADED)
    dm_at = NOW - timedelta(hours=4)
    crawl(store, "dotmoney", dm_at, [
        exit_seen("dotmoney", "amazon_gift", "Amazonギフトカード", 297, 300, dm_at),
        exit_seen("dotmoney", "bank", "銀行振込", 300, 300, dm_at, step_points=100),
    ])
    pex_at = NOW - timedelta(hours=4)
    crawl(store, "pex", pex_at, [exit_seen("pex", "amazon_gift", "Amazonギフトカード", 9900, 1000, pex_at)])
    gen_at = NOW - timedelta(hours=5)
    crawl(store, "gendama", gen_at, [exit_seen("gendama", "amazon_gift", EVIL_LABEL, 10000, 1000, gen_at)])
    rr_at = NOW - timedelta(hours=6)
    crawl(store, "rakuten_rebates", rr_at,
          offers=[fashion_offer(rr_at)] if with_offer else [])
    with Session(engine) as s:
        row = s.get(SiteRow, "gendama")
        row.name = EVIL_NAME
        s.add(row)
        s.commit()
    return engine
