"""SQLModel tables. Values are exact integers; times are Asia/Tokyo aware.

Identity rows (site, exit, campaign, routing offer) are small and stable; what
a crawl sees goes into *observation* rows, appended only when a value differs
from the newest observation of the same thing (append-on-change). A crawl that
sees the same values only moves `last_seen` (and the source URL it came from).
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.migrations import SCHEMA_VERSION  # noqa: F401  (the version these tables are)
from storage.types import jst_column


class Meta(SQLModel, table=True):
    key: str = Field(primary_key=True)
    value: str


class SiteRow(SQLModel, table=True):
    __tablename__ = "site"
    slug: str = Field(primary_key=True)
    name: str
    yen_num: int  # value of one point = yen_num / yen_den yen
    yen_den: int
    expiry_months: Optional[int] = None
    expiry_since: Optional[str] = None
    expiry_wording: Optional[str] = None


class ExitRow(SQLModel, table=True):
    __tablename__ = "exit"
    __table_args__ = (UniqueConstraint("site", "destination", "variant"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    site: str = Field(foreign_key="site.slug", index=True)
    destination: str = Field(index=True)
    variant: str = ""  # e.g. the bank, when fees differ per bank
    label: str  # the site's own name for this exit


class ExitObservation(SQLModel, table=True):
    __tablename__ = "exit_observation"
    id: Optional[int] = Field(default=None, primary_key=True)
    exit_id: int = Field(foreign_key="exit.id", index=True)
    points_in: int  # rate as exact integers: points_in site points ...
    value_out: int  # ... become value_out destination units
    minimum_points: Optional[int] = None
    step_points: Optional[int] = None
    # Largest single exchange (v4): an amount picker (ポイントインカム's
    # 500円 / 1,000円 / …) exchanges each amount whole, once per application.
    max_points: Optional[int] = None
    fee_points: int = 0
    lag_min_days: Optional[int] = None  # crediting lag in business days
    lag_max_days: Optional[int] = None
    lag_text: Optional[str] = None  # the site's own wording
    daily_cap_points: Optional[int] = None
    monthly_cap_points: Optional[int] = None
    daily_exchanges: Optional[int] = None  # e.g. "one exchange a day"
    cap_scope: str = "exit"  # "site": the caps are shared by all the site's exits
    cap_text: Optional[str] = None
    source_url: str
    first_seen: datetime = Field(sa_column=jst_column(nullable=False))
    last_seen: datetime = Field(sa_column=jst_column(nullable=False))
    run_id: Optional[int] = Field(default=None, foreign_key="crawl_run.id")


class CampaignRow(SQLModel, table=True):
    __tablename__ = "campaign"
    __table_args__ = (UniqueConstraint("site", "key"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    site: str = Field(foreign_key="site.slug", index=True)
    key: str  # stable identity on the site (its page's path, else destination + title)
    destination: str  # as last seen; each observation keeps the one it saw


class CampaignObservation(SQLModel, table=True):
    __tablename__ = "campaign_observation"
    id: Optional[int] = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    # (v5) A campaign's page may move it to another exit under the same key:
    # what it applied to is a value seen, not part of its identity.
    destination: str
    title: str
    kind: str  # "bonus" (増量: more out) or "discount" (割引: fewer points in)
    bonus_bp: int  # basis points: 200 = +2 %
    starts_at: Optional[datetime] = Field(default=None, sa_column=jst_column())
    ends_at: Optional[datetime] = Field(default=None, sa_column=jst_column())
    cap_points: Optional[int] = None
    cap_text: Optional[str] = None
    first_come: bool = False
    in_rate: bool = False  # the listed rate already includes the bonus
    source_url: str
    first_seen: datetime = Field(sa_column=jst_column(nullable=False))
    last_seen: datetime = Field(sa_column=jst_column(nullable=False))
    run_id: Optional[int] = Field(default=None, foreign_key="crawl_run.id")


class RoutingOfferRow(SQLModel, table=True):
    __tablename__ = "routing_offer"
    __table_args__ = (UniqueConstraint("site", "key"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    site: str = Field(foreign_key="site.slug", index=True)
    key: str
    store: str  # e.g. "Amazon", as last seen; each observation keeps the one it saw


class RoutingOfferObservation(SQLModel, table=True):
    __tablename__ = "routing_offer_observation"
    id: Optional[int] = Field(default=None, primary_key=True)
    offer_id: int = Field(foreign_key="routing_offer.id", index=True)
    store: str  # (v5) as this observation saw it (see CampaignObservation.destination)
    title: str  # the site's wording
    rate_bp: int  # cashback in basis points of the eligible amount
    scope: Optional[str] = None  # which categories count, e.g. "ファッション"
    conditions: Optional[str] = None
    lag_text: Optional[str] = None  # e.g. 承認期間:約3ヶ月
    starts_at: Optional[datetime] = Field(default=None, sa_column=jst_column())
    ends_at: Optional[datetime] = Field(default=None, sa_column=jst_column())
    source_url: str
    first_seen: datetime = Field(sa_column=jst_column(nullable=False))
    last_seen: datetime = Field(sa_column=jst_column(nullable=False))
    run_id: Optional[int] = Field(default=None, foreign_key="crawl_run.id")


class CrawlRun(SQLModel, table=True):
    __tablename__ = "crawl_run"
    __table_args__ = (Index("ix_crawl_run_spider_id", "spider", "id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    spider: str = Field(index=True)
    site: str = Field(index=True)
    started_at: datetime = Field(sa_column=jst_column(nullable=False))
    finished_at: Optional[datetime] = Field(default=None, sa_column=jst_column())
    # running / ok / degraded / failed / login_required
    verdict: str = "running"
    reason: Optional[str] = None
    items: int = 0
    valid_items: int = 0
    invalid_items: int = 0
    new_observations: int = 0
    http_errors: int = 0
    parse_rate_bp: Optional[int] = None  # share of rewards turned into numbers
    pid: Optional[int] = None
    host: Optional[str] = None  # machine of `pid` (v2): runs may come from several
    stats_json: Optional[str] = None
