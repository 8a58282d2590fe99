"""The tables as light SQLAlchemy Core clauses, for reading.

`storage.models` (SQLModel) is the schema: it creates and migrates the
tables and the Store writes through it. Building its classes costs ~30 ms,
which a read-only command such as `recommend` would pay on every run, so the
reads (`storage.queries`) name the columns they use here instead: plain
table clauses, typed only where a value needs converting on the way out
(JST datetimes, booleans). tests/test_tables.py holds them to the models.
"""

from __future__ import annotations

from sqlalchemy import Boolean, column, table

from storage.types import JstDateTime


def _table(name: str, *columns: str, **typed):
    return table(name, *(column(c) for c in columns), *(column(c, t) for c, t in typed.items()))


def _jst(*names: str) -> dict:
    return {n: JstDateTime() for n in names}


SITE = _table("site", "slug", "name", "yen_num", "yen_den")
EXIT = _table("exit", "id", "site", "destination", "variant", "label")
EXIT_OBSERVATION = _table(
    "exit_observation", "id", "exit_id", "points_in", "value_out", "minimum_points", "step_points",
    "max_points", "fee_points", "lag_min_days", "lag_max_days", "lag_text", "daily_cap_points",
    "monthly_cap_points", "daily_exchanges", "cap_scope", "cap_text", "source_url", "run_id",
    **_jst("first_seen", "last_seen"))
CAMPAIGN = _table("campaign", "id", "site", "key", "destination")
CAMPAIGN_OBSERVATION = _table(
    "campaign_observation", "id", "campaign_id", "destination", "title", "kind", "bonus_bp", "cap_points",
    "cap_text", "source_url", "run_id", first_come=Boolean(), in_rate=Boolean(),
    **_jst("starts_at", "ends_at", "first_seen", "last_seen"))
ROUTING_OFFER = _table("routing_offer", "id", "site", "key", "store")
ROUTING_OFFER_OBSERVATION = _table(
    "routing_offer_observation", "id", "offer_id", "store", "title", "rate_bp", "scope", "conditions",
    "lag_text", "source_url", "run_id", **_jst("starts_at", "ends_at", "first_seen", "last_seen"))
CRAWL_RUN = _table(
    "crawl_run", "id", "spider", "site", "verdict", "reason", "items", "valid_items", "invalid_items",
    "new_observations", "http_errors", "parse_rate_bp", **_jst("started_at", "finished_at"))

ALL = (SITE, EXIT, EXIT_OBSERVATION, CAMPAIGN, CAMPAIGN_OBSERVATION, ROUTING_OFFER,
       ROUTING_OFFER_OBSERVATION, CRAWL_RUN)
