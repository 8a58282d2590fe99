"""Plain data going in and out of storage (no sessions, no ORM objects).

Kept free of SQLModel imports so callers can build and read them cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ExitSeen:
    """One exit as one crawl saw it (already normalized and validated)."""

    site: str
    destination: str
    label: str
    points_in: int
    value_out: int
    source_url: str
    seen_at: datetime
    variant: str = ""
    minimum_points: int | None = None
    step_points: int | None = None
    max_points: int | None = None  # largest single exchange (an amount picker's amount)
    fee_points: int = 0
    lag_min_days: int | None = None
    lag_max_days: int | None = None
    lag_text: str | None = None
    daily_cap_points: int | None = None
    monthly_cap_points: int | None = None
    daily_exchanges: int | None = None
    cap_scope: str = "exit"  # "site": caps shared by all the site's exits
    cap_text: str | None = None


@dataclass(frozen=True)
class CampaignSeen:
    site: str
    key: str
    destination: str
    title: str
    kind: str  # "bonus" | "discount"
    bonus_bp: int
    source_url: str
    seen_at: datetime
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    cap_points: int | None = None
    cap_text: str | None = None
    first_come: bool = False
    # The exit's listed rate already includes the bonus (e.g. Hapitas shows
    # 490pt → 500円 with a 「2%増量中」 badge): never apply it a second time.
    in_rate: bool = False


@dataclass(frozen=True)
class RoutingOfferSeen:
    site: str
    key: str
    store: str
    title: str
    rate_bp: int
    source_url: str
    seen_at: datetime
    scope: str | None = None
    conditions: str | None = None
    lag_text: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@dataclass(frozen=True)
class RunOutcome:
    """What a finished crawl run reports about itself."""

    verdict: str  # ok / degraded / failed / login_required
    reason: str | None
    items: int
    valid_items: int
    invalid_items: int
    http_errors: int
    parse_rate_bp: int | None
    stats_json: str | None = None


@dataclass(frozen=True)
class RunResult:
    run_id: int
    verdict: str
    new_observations: int


@dataclass(frozen=True)
class CurrentExit:
    """The newest observation of one exit, with its age and freshness."""

    exit_id: int
    site: str
    site_name: str
    destination: str
    variant: str
    label: str
    points_in: int
    value_out: int
    minimum_points: int | None
    step_points: int | None
    fee_points: int
    lag_min_days: int | None
    lag_max_days: int | None
    lag_text: str | None
    daily_cap_points: int | None
    monthly_cap_points: int | None
    daily_exchanges: int | None
    cap_scope: str
    cap_text: str | None
    source_url: str
    first_seen: datetime
    last_seen: datetime
    site_yen_num: int
    site_yen_den: int
    # True when the site's latest run did not confirm this value (degraded,
    # failed, or the exit was not seen by an ok run).
    stale: bool = False
    max_points: int | None = None  # largest single exchange, when the site has one
    # The verdict `stale` was judged by: the newest finished run of the spider
    # that saw this exit (not of another spider of the site, e.g. its shopping one).
    last_verdict: str | None = None


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    spider: str
    site: str
    started_at: datetime
    finished_at: datetime | None
    verdict: str
    reason: str | None
    items: int
    valid_items: int
    invalid_items: int
    new_observations: int
    http_errors: int
    parse_rate_bp: int | None


@dataclass(frozen=True)
class ObservationPoint:
    """One step of an exit's history (for charts)."""

    exit_id: int
    points_in: int
    value_out: int
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True)
class RateStep:
    """An observation whose rate (value_out for points_in) differs from the
    exit's observation before it: what forecasts read of years of history."""

    first_seen: datetime
    old_points_in: int
    old_value_out: int
    points_in: int
    value_out: int


@dataclass(frozen=True)
class RateHistory:
    """An exit's base rate since it was first seen: only its changes."""

    first_seen: datetime
    steps: tuple[RateStep, ...]


@dataclass
class CurrentCampaign:
    campaign_id: int
    site: str
    destination: str
    title: str
    kind: str
    bonus_bp: int
    starts_at: datetime | None
    ends_at: datetime | None
    cap_points: int | None
    cap_text: str | None
    first_come: bool
    source_url: str
    first_seen: datetime
    last_seen: datetime
    in_rate: bool = False


@dataclass
class CurrentRoutingOffer:
    offer_id: int
    site: str
    store: str
    title: str
    rate_bp: int
    scope: str | None
    conditions: str | None
    lag_text: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    source_url: str
    first_seen: datetime
    last_seen: datetime
    extra: dict = field(default_factory=dict)
