"""Opening the database: SQLite (default) in WAL mode, or any SQLAlchemy URL.

Every failure a user can cause (missing file, a file that is not SQLite, a
database written by a newer pointexit) becomes a `StorageError` with a
one-line message; nothing here ever rewrites a file it could not recognise.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlmodel import Session, SQLModel, create_engine, select

from pointexit.catalog import SITES
from pointexit.errors import UserError
from storage import models
from storage.models import SCHEMA_VERSION, Meta, SiteRow

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 30_000


class StorageError(UserError):
    """A database problem explained in one line."""


def is_url(db: str) -> bool:
    return "://" in db


def db_url(db: str | os.PathLike) -> str:
    db = str(db)
    return db if is_url(db) else f"sqlite:///{Path(db).expanduser()}"


def _check_sqlite_file(path: Path, *, must_exist: bool) -> None:
    if not path.exists():
        if must_exist:
            raise StorageError(
                f"no database at {path} (run `pointexit demo` or `pointexit crawl` first)"
            )
        if not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        return
    if path.is_dir():
        raise StorageError(f"{path} is a directory, not a database file")
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise StorageError(f"cannot read database {path}: {exc.strerror}") from None
    if head and head != SQLITE_MAGIC:
        raise StorageError(f"{path} is not a pointexit database (not an SQLite file); left untouched")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def open_engine(db: str | os.PathLike, *, create: bool = True) -> Engine:
    """Open (and with `create`, initialise or migrate) the database.

    `create=False` is for read-only commands: a missing database is an error
    rather than an empty file left behind.
    """
    url = db_url(db)
    if url.startswith("sqlite:///"):
        _check_sqlite_file(Path(url.removeprefix("sqlite:///")), must_exist=not create)
        engine = create_engine(
            url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except Exception as exc:  # bad URL, missing driver
            raise StorageError(f"cannot use database {url!r}: {exc}") from None
    try:
        _prepare(engine, create=create)
    except (DatabaseError, OperationalError) as exc:
        engine.dispose()
        reason = str(exc.orig) if getattr(exc, "orig", None) else str(exc)
        raise StorageError(f"cannot open database {db}: {reason.splitlines()[0]}") from None
    return engine


def _prepare(engine: Engine, *, create: bool) -> None:
    tables = set(inspect(engine).get_table_names())
    if "meta" in tables:
        with Session(engine) as s:
            row = s.get(Meta, "schema_version")
            found = int(row.value) if row else 0
        if found > SCHEMA_VERSION:
            raise StorageError(
                f"database schema v{found} is newer than this pointexit (v{SCHEMA_VERSION}); "
                "upgrade pointexit (pip install -U pointexit) to use it"
            )
        if found == SCHEMA_VERSION:
            return
    elif tables and not create:
        raise StorageError("database has no pointexit tables (is it another program's file?)")
    elif not tables and not create:
        raise StorageError("database is empty (run `pointexit demo` or `pointexit crawl` first)")
    _migrate(engine)


def _migrate(engine: Engine) -> None:
    """Bring an empty or older database to SCHEMA_VERSION (additive only)."""
    SQLModel.metadata.create_all(engine, tables=[t.__table__ for t in _tables()])
    with Session(engine) as s:
        known = {r.slug for r in s.exec(select(SiteRow))}
        for site in SITES.values():
            if site.slug in known:
                continue
            s.add(SiteRow(
                slug=site.slug, name=site.name,
                yen_num=site.yen_per_point.numerator, yen_den=site.yen_per_point.denominator,
                expiry_months=site.expiry.months if site.expiry else None,
                expiry_since=site.expiry.since if site.expiry else None,
                expiry_wording=site.expiry.wording if site.expiry else None,
            ))
        s.merge(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
        s.commit()


def _tables():
    return [
        models.Meta, models.SiteRow, models.CrawlRun, models.ExitRow, models.ExitObservation,
        models.CampaignRow, models.CampaignObservation, models.RoutingOfferRow,
        models.RoutingOfferObservation,
    ]


def integrity_ok(engine: Engine) -> bool:
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as conn:
        return conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
