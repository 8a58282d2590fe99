"""Schema versions and the steps between them.

The tables in `storage.models` describe the newest schema; a fresh database
gets them all at once (`create_all`) and is stamped with `SCHEMA_VERSION`.
An older database is brought forward by the steps below, in order, inside
the same transaction as the stamp, so a migration either happens completely
or not at all. A step changes *existing* tables (new columns, indexes, data);
tables that are new in a version need no step: `create_all` adds them after
the steps have run.

Adding a version: bump `SCHEMA_VERSION` below, change the model in
storage/models.py, and add `STEPS[n]` here written in SQL both SQLite and PostgreSQL
accept. tests/test_migrations.py runs the steps, on both, against databases
written by version 1.
"""

from __future__ import annotations

from typing import Callable

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

# The schema storage/models.py describes; bump with a step in STEPS.
SCHEMA_VERSION = 5


def _add_column(conn: Connection, table: str, column: str, ddl_type: str) -> None:
    if not inspect(conn).has_table(table):
        return  # a half-made file: create_all makes the table, new columns included
    present = {c["name"] for c in inspect(conn).get_columns(table)}
    if column not in present:
        conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {ddl_type}"))


def _v2(conn: Connection) -> None:
    # Crawls may run on several machines against one PostgreSQL database (or
    # on a Scrapyd server): a pid alone no longer says whose run it is.
    _add_column(conn, "crawl_run", "host", "VARCHAR")
    # "Newest finished run of each spider" is read by every `exits`/`recommend`:
    # walking this index backwards from a spider's newest run finds it at once,
    # where a scan would read every run ever made (years of them).
    if inspect(conn).has_table("crawl_run"):
        conn.execute(text("CREATE INDEX IF NOT EXISTS ix_crawl_run_spider_id ON crawl_run (spider, id)"))


def _v3(conn: Connection) -> None:
    # A campaign already reflected in the listed rate must not be applied twice.
    _add_column(conn, "campaign_observation", "in_rate", "BOOLEAN NOT NULL DEFAULT FALSE")


def _v4(conn: Connection) -> None:
    # An exit that exchanges one fixed amount per application (an amount
    # picker) was read as "any multiple of it": its largest exchange is stored.
    _add_column(conn, "exit_observation", "max_points", "INTEGER")


def _v5(conn: Connection) -> None:
    # A campaign (routing offer) seen again under its key for another
    # destination (store) kept the first one for ever: each observation now
    # keeps the one it saw. Old observations saw the identity's.
    for observation, identity, key, column in (
            ("campaign_observation", "campaign", "campaign_id", "destination"),
            ("routing_offer_observation", "routing_offer", "offer_id", "store")):
        if not inspect(conn).has_table(observation):
            continue  # a half-made file: create_all makes the table, new columns included
        _add_column(conn, observation, column, "VARCHAR")
        conn.execute(text(f"UPDATE {observation} SET {column} = (SELECT {identity}.{column} FROM {identity} "
                          f"WHERE {identity}.id = {observation}.{key}) WHERE {column} IS NULL"))


STEPS: dict[int, Callable[[Connection], None]] = {
    2: _v2,
    3: _v3,
    4: _v4,
    5: _v5,
}


def upgrade(conn: Connection, found: int, target: int) -> list[int]:
    """Run the steps after `found` up to `target`; returns the versions run."""
    done = []
    for version in range(found + 1, target + 1):
        step = STEPS.get(version)
        if step is not None:
            step(conn)
        done.append(version)
    return done
