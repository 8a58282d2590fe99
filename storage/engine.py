"""Opening the database: SQLite (default) in WAL mode, or PostgreSQL by URL.

Every failure a user can cause (missing file, a file that is not SQLite, a
damaged or truncated file, another program's database, a database written by
a newer pointexit, an unreachable server) becomes a `StorageError` with a
one-line message; nothing here ever writes to a file it did not recognise as
a pointexit database. An older pointexit database is brought forward by the
steps in `storage.migrations`, in one transaction.
"""

from __future__ import annotations

import os
import re
import threading
import time
import weakref
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, NoSuchModuleError

from pointexit.catalog import SITES
from pointexit.errors import UserError
from storage import migrations
from storage.migrations import SCHEMA_VERSION
from storage.tables import ALL as ALL_TABLES

# SQLModel and storage.models (its table classes: ~30 ms to build, on top of
# importing SQLModel and pydantic) are imported only where a database is
# created, migrated or has its sites written: a read-only command on an
# up-to-date database never needs them.

SQLITE_MAGIC = b"SQLite format 3\x00"
# Every table a pointexit database may hold (storage.tables names them without building the models).
_POINTEXIT_TABLES = {t.name for t in ALL_TABLES} | {"meta"}
BUSY_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_S = 10
# Any constant: serialises schema changes between processes on PostgreSQL.
_PG_SCHEMA_LOCK = 0x706F696E  # "poin"


class StorageError(UserError):
    """A database problem explained in one line."""


def is_url(db: str) -> bool:
    return "://" in db


def db_url(db: str | os.PathLike) -> str:
    """A path becomes an SQLite URL; `postgres(ql)://` means the psycopg driver."""
    db = str(db)
    if not is_url(db):
        return f"sqlite:///{Path(db).expanduser()}"
    scheme, rest = db.split("://", 1)
    if scheme in ("postgres", "postgresql"):
        return f"postgresql+psycopg://{rest}"
    return db


def shown(db: str | os.PathLike) -> str:
    """The database as it may be printed: a URL's password is masked."""
    db = str(db)
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", db) if is_url(db) else db


# POSIX advisory locks belong to the process, not to a descriptor: closing
# any descriptor of the database file drops every lock this process's SQLite
# connections hold on it (https://sqlite.org/howtocorrupt.html, 2.2). Another
# process's last connection then thinks it is alone, checkpoints and deletes
# the WAL under our reads and writes ("database disk image is malformed",
# "disk I/O error": 4 runs of 4 of tests/test_concurrent_reads.py on a loaded
# machine, where a reader opens the database again and again in one process).
# So the header is read only while no connection of this process has the
# file open; one that has it open was checked when its engine was made.
_FILES_LOCK = threading.Lock()
_CONNECTED: dict[tuple[int, int], weakref.WeakKeyDictionary] = {}  # file → {engine: open connections}


def _file_key(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _connected(path: Path) -> bool:
    """Whether a connection of this process has the file open (call under `_FILES_LOCK`)."""
    key = _file_key(path)
    return key is not None and any(_CONNECTED.get(key, {}).values())


def _count_connections(engine: Engine, path: Path) -> None:
    """Keep `_CONNECTED` as SQLAlchemy opens and closes the engine's connections.
    An engine collected without closing its connections drops out with it
    (their SQLite handles close with them)."""
    ref = weakref.ref(engine)

    def change(key: tuple[int, int] | None, by: int) -> None:
        e = ref()
        if e is None or key is None:
            return
        with _FILES_LOCK:
            counts = _CONNECTED.setdefault(key, weakref.WeakKeyDictionary())
            counts[e] = max(counts.get(e, 0) + by, 0)

    def opened(_conn, record) -> None:
        # the file a connection opened stays its file even if the path is replaced
        record.info["pointexit_file"] = key = _file_key(path)
        change(key, +1)

    event.listen(engine, "connect", opened)
    event.listen(engine, "close", lambda _conn, record: change(record.info.get("pointexit_file"), -1))


def _sqlite_header_problem(path: Path) -> str | None:
    """Why the file cannot be a healthy SQLite database, from its 100-byte
    header and size alone (cheap: nothing else is read)."""
    with path.open("rb") as fh:
        head = fh.read(100)
    if not head:
        return None  # an empty file is an empty database
    if not head.startswith(SQLITE_MAGIC[: len(head)]) or len(head) < len(SQLITE_MAGIC):
        return "not an SQLite file"
    if len(head) < 100:
        return "damaged (shorter than an SQLite header)"
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65_536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return "damaged (impossible page size in its header)"
    pages = int.from_bytes(head[28:32], "big")
    header_size_valid = head[24:28] == head[92:96]
    try:
        # SQLite will replay a non-empty WAL. Stat it once: the last connection
        # of another process (or thread) deletes it on close, so a file seen
        # to exist may be gone an instant later, with its pages in the database.
        pending_wal = path.with_name(path.name + "-wal").stat().st_size > 0
    except FileNotFoundError:
        pending_wal = False
    size = path.stat().st_size
    if header_size_valid and not pending_wal and size < pages * page_size:
        return f"damaged (truncated: {size:,} of {pages * page_size:,} bytes)"
    return None


# Not "run `pointexit demo`": it writes its own demo.db, never the database
# a command reads by default, which would still be missing or empty after it.
RUN_FIRST = "run `pointexit crawl` first; for the demo's data, pass the --db that `pointexit demo` prints"


def _check_sqlite_file(path: Path, *, must_exist: bool, read_header: bool = True) -> None:
    if not path.exists():
        if must_exist:
            raise StorageError(
                f"no database at {path} ({RUN_FIRST})"
            )
        if not path.parent.exists():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:  # a part of the path is a file, or may not be written
                raise StorageError(f"cannot create the directory {path.parent} for the database: "
                                   f"{exc.strerror}") from None
        return
    if path.is_dir():
        raise StorageError(f"{path} is a directory, not a database file")
    if not read_header:
        return
    try:
        problem = _sqlite_header_problem(path)
    except OSError as exc:
        raise StorageError(f"cannot read database {path}: {exc.strerror}") from None
    if problem == "not an SQLite file":
        raise StorageError(f"{path} is not a pointexit database (not an SQLite file); left untouched")
    if problem:
        raise StorageError(f"database {path} is {problem}; left untouched "
                           "(restore a backup, or move it away to start a new one)")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # Per-connection settings only: nothing here writes to the file. WAL is
    # persistent and set once, when the file is known to be ours.
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _create_engine(url: str, db, *, must_exist: bool) -> Engine:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        with _FILES_LOCK:
            _check_sqlite_file(path, must_exist=must_exist, read_header=not _connected(path))
        engine = create_engine(
            url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        _count_connections(engine, path)
        return engine
    connect_args = {}
    if url.startswith("postgresql") and "connect_timeout" not in url:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
    try:
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    except ModuleNotFoundError as exc:
        hint = (" — install it: pip install 'pointexit[postgres]'"
                if url.startswith("postgresql") else "")
        raise StorageError(f"no driver for {shown(db)}: {exc}{hint}") from None
    except (NoSuchModuleError, ValueError, TypeError) as exc:
        raise StorageError(f"cannot use database {shown(db)}: {exc}") from None


def open_engine(db: str | os.PathLike, *, create: bool = True) -> Engine:
    """Open (and with `create`, initialise) the database; migrate an older one.

    `create=False` is for read-only commands: a missing or empty database is
    an error rather than an empty file left behind.
    """
    engine = _create_engine(db_url(db), db, must_exist=not create)
    try:
        _prepare(engine, db, create=create)
        if create and engine.dialect.name == "sqlite":
            _check_writable(engine, db)
    except StorageError:
        engine.dispose()
        raise
    except DBAPIError as exc:
        engine.dispose()
        raise StorageError(f"cannot open database {shown(db)}: {first_line(exc)}") from None
    return engine


def _check_writable(engine: Engine, db) -> None:
    """A writer (crawl, schedule, demo) finds out now, in one line, that it
    cannot write: SQLite opens a read-only file without a word and refuses
    only the first write, deep inside a crawl. Nothing is changed."""
    with engine.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            conn.exec_driver_sql("UPDATE meta SET value = value WHERE key = 'schema_version'")
        except DBAPIError as exc:
            raise StorageError(f"cannot write to database {shown(db)}: {first_line(exc)}") from None
        finally:
            conn.exec_driver_sql("ROLLBACK")


def first_line(exc: Exception) -> str:
    reason = str(getattr(exc, "orig", None) or exc)
    return " ".join(reason.split("\n")[0].split()) or type(exc).__name__


def _version(conn: Connection) -> int | None:
    """The stamped schema version; None when there is no pointexit meta table."""
    if not inspect(conn).has_table("meta"):
        return None
    row = conn.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).first()
    if row is None:
        # Unstamped: pointexit's own only if every table is one pointexit makes. Other
        # programs keep a `meta` table too (Chromium's History, Cookies, Web Data, ...).
        return 0 if set(inspect(conn).get_table_names()) <= _POINTEXIT_TABLES else None
    try:
        return int(row[0])
    except (TypeError, ValueError):  # not one pointexit wrote: never guess a version to migrate from
        raise StorageError(f"database has an unreadable schema version {row[0]!r} (is it damaged?); "
                           "left untouched") from None


def _prepare(engine: Engine, db, *, create: bool) -> None:
    with engine.connect() as conn:
        found = _version(conn)
        others = found is None and bool(inspect(conn).get_table_names())
        sites_missing = create and found == SCHEMA_VERSION and _sites_out_of_date(conn)
    if others:
        raise StorageError(f"database {shown(db)} has tables but none of pointexit's "
                           "(is it another program's database?); left untouched")
    if found is None and not create:
        raise StorageError(f"database {shown(db)} is empty ({RUN_FIRST})")
    if found is not None and found > SCHEMA_VERSION:
        raise StorageError(
            f"database {shown(db)}: schema v{found} is newer than this pointexit (v{SCHEMA_VERSION}); "
            "upgrade pointexit (git pull in its checkout, then pip install -e .) to use it; "
            "the database is unchanged"
        )
    if found == SCHEMA_VERSION and not sites_missing:
        return
    if found is not None and found < SCHEMA_VERSION:
        _refuse_damaged(engine)
    try:
        _bring_up_to_date(engine)
    except DBAPIError as exc:
        if found is None:
            raise
        what = (f"upgrade the database from schema v{found} to v{SCHEMA_VERSION}"
                if found < SCHEMA_VERSION else "add the catalog's new sites to the database")
        raise StorageError(f"cannot {what}: {first_line(exc)} (nothing was changed; run pointexit "
                           "once as a user allowed to change tables)") from None


def _refuse_damaged(engine: Engine) -> None:
    """Before a migration writes to an SQLite file, make sure it is sound.

    A damaged index can hide the version row (a v4 file reads as v0), and the
    migration would then write into the damaged file, even for a read-only
    command. Migrations are rare, so a full quick_check here costs little."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        problem = conn.execute(text("PRAGMA quick_check")).scalar()
    if problem != "ok":
        detail = " ".join(str(problem).replace("*** in database main ***", "").split())
        raise StorageError(f"database {engine.url.database} is damaged ({detail}); left untouched "
                           "(restore a backup, or move it away to start a new one)")


def _bring_up_to_date(engine: Engine, attempts: int = 5) -> None:
    """Create or migrate under a lock, so two processes never both do it.

    SQLite answers "database is locked" at once, without waiting out the busy
    timeout, when waiting could deadlock (two connections switching the
    journal mode or upgrading read locks together). The transaction is then
    rolled back whole, so trying again after a pause is safe."""
    for attempt in range(attempts):
        try:
            return _bring_up_to_date_once(engine)
        except DBAPIError as exc:
            if (engine.dialect.name != "sqlite" or "locked" not in str(exc.orig)
                    or attempt == attempts - 1):
                raise
            time.sleep(0.1 * (attempt + 1))


def _bring_up_to_date_once(engine: Engine) -> None:
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    with engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_SCHEMA_LOCK})
        found = _version(conn)  # again: another process may have done it meanwhile
        if found is not None and found > SCHEMA_VERSION:
            raise StorageError(f"database schema v{found} is newer than this pointexit "
                               f"(v{SCHEMA_VERSION}); upgrade pointexit to use it")
        if found is not None:
            migrations.upgrade(conn, found, SCHEMA_VERSION)
        tables = _tables()
        tables[0].metadata.create_all(conn, tables=tables)
        _sync_sites(conn)
        _stamp(conn)
        conn.commit()


def _site_rows() -> dict[str, dict]:
    return {site.slug: dict(
        slug=site.slug, name=site.name,
        yen_num=site.yen_per_point.numerator, yen_den=site.yen_per_point.denominator,
        expiry_months=site.expiry.months if site.expiry else None,
        expiry_since=site.expiry.since if site.expiry else None,
        expiry_wording=site.expiry.wording if site.expiry else None,
    ) for site in SITES.values()}


def _stored_sites(conn: Connection) -> dict[str, dict]:
    table = _table("site")
    return {r["slug"]: dict(r) for r in conn.execute(select(table)).mappings()}


def _sites_out_of_date(conn: Connection) -> bool:
    """The catalog is the truth about sites: a site added (or a point value
    corrected) since the database was made is written before a crawl needs it."""
    stored = _stored_sites(conn)
    return any(stored.get(slug) != row for slug, row in _site_rows().items())


def _sync_sites(conn: Connection) -> None:
    table = _table("site")
    stored = _stored_sites(conn)
    for slug, row in _site_rows().items():
        if slug not in stored:
            conn.execute(table.insert().values(**row))
        elif stored[slug] != row:
            conn.execute(table.update().where(table.c.slug == slug).values(**row))


def _stamp(conn: Connection) -> None:
    table = _table("meta")
    updated = conn.execute(table.update().where(table.c.key == "schema_version")
                           .values(value=str(SCHEMA_VERSION))).rowcount
    if not updated:
        conn.execute(table.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))


def _table(name: str):
    return next(t for t in _tables() if t.name == name)


def _tables():
    """Every table defined in storage.models."""
    from sqlmodel import SQLModel

    from storage import models

    return [c.__table__ for c in vars(models).values()
            if isinstance(c, type) and issubclass(c, SQLModel) and hasattr(c, "__table__")
            and c.__module__ == models.__name__]


# meta key of a database `pointexit demo` made: it holds the recorded pages'
# values, and only such a one may take more of them.
DEMO_KEY = "demo"


def demo_database_state(engine: Engine) -> str:
    """"new" (no crawl yet), "demo" (made by `pointexit demo`) or "real"."""
    meta = _table("meta")
    with engine.connect() as conn:
        if conn.execute(select(meta.c.key).where(meta.c.key == DEMO_KEY)).first() is not None:
            return "demo"
        runs = conn.execute(text("SELECT 1 FROM crawl_run LIMIT 1")).first()
    return "real" if runs is not None else "new"


def mark_demo(engine: Engine) -> None:
    meta = _table("meta")
    with engine.begin() as conn:
        if conn.execute(select(meta.c.key).where(meta.c.key == DEMO_KEY)).first() is None:
            conn.execute(meta.insert().values(key=DEMO_KEY, value="1"))


def schema_version(engine: Engine) -> int | None:
    with engine.connect() as conn:
        return _version(conn)


def integrity_ok(engine: Engine) -> bool:
    """SQLite: the file's structure and every foreign key are sound.
    PostgreSQL enforces both itself; a reachable server with our tables is ok."""
    with engine.connect() as conn:
        if engine.dialect.name != "sqlite":
            return _version(conn) == SCHEMA_VERSION
        if conn.execute(text("PRAGMA integrity_check")).scalar() != "ok":
            return False
        return conn.execute(text("PRAGMA foreign_key_check")).first() is None
