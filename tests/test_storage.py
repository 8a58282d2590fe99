"""Storage: append-on-change, JST times, WAL, and databases it must refuse."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from pointexit.clock import JST
from storage.engine import StorageError, open_engine
from storage.models import CrawlRun, ExitObservation
from storage.queries import current_exits
from storage.records import ExitSeen, RunOutcome
from storage.store import Store
from tests.conftest import FROZEN_NOW

OK = RunOutcome("ok", None, 1, 1, 0, 0, 10_000)


def seen(at, points_in=490, **kw):
    return ExitSeen(site="hapitas", destination="amazon_gift", label="Amazonギフトカード",
                    points_in=points_in, value_out=500, source_url="https://hapitas.jp/exchange/",
                    seen_at=at, minimum_points=490, step_points=490, lag_min_days=1,
                    lag_max_days=3, lag_text="申請の翌日より3営業日以内", **kw)


def crawl_once(store, at, *items, outcome=OK):
    run = store.begin_run("hapitas", "hapitas", at)
    return store.finish_run(run, outcome, at, list(items))


@pytest.fixture
def store(db_path):
    return Store(open_engine(db_path))


def observations(store):
    with Session(store.engine) as s:
        return s.exec(select(ExitObservation).order_by(ExitObservation.id)).all()


def test_same_values_move_only_last_seen(store):
    t1, t2 = FROZEN_NOW, FROZEN_NOW + timedelta(hours=6)
    assert crawl_once(store, t1, seen(t1)).new_observations == 1
    assert crawl_once(store, t2, seen(t2)).new_observations == 0
    [obs] = observations(store)
    assert (obs.first_seen, obs.last_seen) == (t1, t2)


def test_a_changed_value_appends_and_keeps_the_old_row(store):
    t1, t2 = FROZEN_NOW, FROZEN_NOW + timedelta(days=1)
    crawl_once(store, t1, seen(t1))
    assert crawl_once(store, t2, seen(t2, fee_points=10)).new_observations == 1
    old, new = observations(store)
    assert (old.fee_points, new.fee_points) == (0, 10)
    assert old.last_seen == t1 and new.first_seen == t2


def test_a_changed_source_url_alone_is_not_a_change(store):
    t1, t2 = FROZEN_NOW, FROZEN_NOW + timedelta(days=1)
    crawl_once(store, t1, seen(t1))
    moved = ExitSeen(**{**seen(t2).__dict__, "source_url": "http://127.0.0.1:8000/hapitas/exchange/"})
    assert crawl_once(store, t2, moved).new_observations == 0
    assert observations(store)[0].source_url == "http://127.0.0.1:8000/hapitas/exchange/"


def test_times_come_back_aware_in_tokyo(store):
    wall_time = FROZEN_NOW.astimezone(JST).replace(tzinfo=None)
    crawl_once(store, FROZEN_NOW, seen(FROZEN_NOW))
    obs = observations(store)[0]
    assert obs.first_seen.tzinfo is not None and obs.first_seen.utcoffset() == timedelta(hours=9)
    assert obs.first_seen.replace(tzinfo=None) == wall_time


@pytest.mark.parametrize("verdict", ["degraded", "failed", "login_required"])
def test_a_bad_run_never_touches_stored_values(store, verdict):
    t1, t2 = FROZEN_NOW, FROZEN_NOW + timedelta(days=1)
    crawl_once(store, t1, seen(t1))
    bad = RunOutcome(verdict, "test", 1, 1, 0, 0, None)
    assert crawl_once(store, t2, seen(t2, points_in=600), outcome=bad).new_observations == 0
    [obs] = observations(store)
    assert (obs.points_in, obs.last_seen) == (490, t1)
    [current] = current_exits(store.engine)
    assert current.points_in == 490 and current.stale


def test_wal_and_busy_timeout(store):
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30_000


def _my_locks(path) -> list[tuple[str, str, str]]:
    """This process's POSIX locks on a file (type, first byte, last byte), from /proc/locks."""
    ino = os.stat(path).st_ino
    out = []
    for line in Path("/proc/locks").read_text().split("\n"):
        f = line.split()
        if len(f) >= 8 and f[1] == "POSIX" and f[4] == str(os.getpid()) and int(f[5].rsplit(":", 1)[1]) == ino:
            out.append((f[3], f[6], f[7]))
    return sorted(out)


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs Linux's /proc/locks")
def test_opening_the_database_again_keeps_the_locks_of_a_read_in_progress(db_path):
    """Closing any descriptor of the file drops every POSIX lock the process
    holds on it: a header check while a read runs let another process's last
    connection delete the WAL under it ("database disk image is malformed")."""
    engine = open_engine(db_path)
    raw = engine.raw_connection()
    try:
        raw.driver_connection.isolation_level = None
        cur = raw.cursor()
        cur.execute("BEGIN")
        cur.execute("SELECT count(*) FROM crawl_run").fetchall()
        held = _my_locks(db_path)
        assert held  # the read transaction's shared lock on the database file
        again = open_engine(db_path, create=False)
        assert _my_locks(db_path) == held
        with again.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM crawl_run")).scalar() == 0
        cur.execute("COMMIT")
    finally:
        raw.close()
    engine.dispose()
    again.dispose()
    # With no connection left, the file is checked as before: damage is still refused.
    with open(db_path, "r+b") as fh:
        fh.write(b"not sqlite at all")
    with pytest.raises(StorageError, match="not an SQLite file"):
        open_engine(db_path, create=False)


def test_a_run_left_running_by_a_dead_process_is_marked_failed(store):
    run = store.begin_run("hapitas", "hapitas", FROZEN_NOW)
    with Session(store.engine) as s:
        row = s.get(CrawlRun, run)
        row.pid = 2**22 + 12345  # beyond pid_max: no such process
        s.add(row)
        s.commit()
    store.begin_run("hapitas", "hapitas", FROZEN_NOW + timedelta(hours=1))
    with Session(store.engine) as s:
        assert s.get(CrawlRun, run).verdict == "failed"


def test_missing_database_is_refused_for_reading(tmp_path):
    missing = tmp_path / "nope.db"
    with pytest.raises(StorageError, match="no database at"):
        open_engine(missing, create=False)
    assert not missing.exists()


def test_an_empty_database_is_refused_for_reading_naming_the_file(tmp_path):
    """「database is empty」 did not say which file (a mistyped --db, another
    $POINTEXIT_DB): it is named, as in the other storage errors."""
    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(StorageError) as raised:
        open_engine(empty, create=False)
    assert str(raised.value) == (f"database {empty} is empty "
                                 "(run `pointexit crawl` first; for the demo's data, "
                                 "pass the --db that `pointexit demo` prints)")
    assert empty.read_bytes() == b""


def test_a_missing_database_does_not_send_the_user_to_a_demo_that_writes_elsewhere(tmp_path):
    """`pointexit demo` writes demo.db, never the database a command reads by
    default: "run `pointexit demo` first" sent a new user round in a circle."""
    missing = tmp_path / "pointexit.db"
    with pytest.raises(StorageError) as raised:
        open_engine(missing, create=False)
    assert str(raised.value) == (f"no database at {missing} (run `pointexit crawl` first; for the demo's "
                                 "data, pass the --db that `pointexit demo` prints)")


def test_a_directory_that_cannot_be_made_for_a_new_database_is_one_line(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n")
    with pytest.raises(StorageError) as raised:
        open_engine(notes / "sub" / "pointexit.db")
    assert str(raised.value) == (f"cannot create the directory {notes / 'sub'} for the database: "
                                 "Not a directory")
    assert notes.read_text() == "mine\n"


def test_a_file_that_is_not_sqlite_is_left_untouched(tmp_path):
    junk = tmp_path / "notes.db"
    junk.write_bytes(b"my precious notes\n" * 100)
    before = junk.read_bytes()
    with pytest.raises(StorageError, match="not an SQLite file"):
        open_engine(junk)
    assert junk.read_bytes() == before


@pytest.mark.parametrize("create", [False, True])
def test_another_programs_database_with_a_meta_table_is_left_untouched(tmp_path, create):
    """Chromium's History (and many other files) keep a key/value `meta` table:
    without pointexit's version stamp and beside tables pointexit never makes,
    it is not a pointexit database of schema v0 to migrate."""
    import sqlite3

    history = tmp_path / "History"
    con = sqlite3.connect(history)
    con.executescript("""
        CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR);
        INSERT INTO meta VALUES('version', '56'), ('last_compatible_version', '16');
        CREATE TABLE urls(id INTEGER PRIMARY KEY, url LONGVARCHAR, title LONGVARCHAR);
        INSERT INTO urls VALUES(1, 'https://example.com/', 'example');
    """)
    con.close()
    before = history.read_bytes()
    with pytest.raises(StorageError) as raised:
        open_engine(history, create=create)
    assert str(raised.value) == (f"database {history} has tables but none of pointexit's "
                                 "(is it another program's database?); left untouched")
    assert history.read_bytes() == before  # not even switched to WAL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["History"]


def test_another_spider_of_the_same_site_does_not_make_exits_stale(store):
    t1, t2 = FROZEN_NOW, FROZEN_NOW + timedelta(hours=1)
    crawl_once(store, t1, seen(t1))
    run = store.begin_run("hapitas_shopping", "hapitas", t2)
    store.finish_run(run, OK, t2, [])
    [current] = current_exits(store.engine)
    assert not current.stale


def test_an_ok_run_that_no_longer_sees_an_exit_makes_it_stale(store):
    t1, t2 = FROZEN_NOW, FROZEN_NOW + timedelta(hours=1)
    crawl_once(store, t1, seen(t1))
    crawl_once(store, t2, ExitSeen(**{**seen(t2).__dict__, "destination": "bank", "label": "銀行"}))
    stale = {e.destination: e.stale for e in current_exits(store.engine)}
    assert stale == {"amazon_gift": True, "bank": False}


def test_the_largest_single_exchange_is_stored_and_its_change_is_a_change(store):
    """An amount picker's option (ポイントインカム 500円 = 5,000pt) exchanges its
    amount whole: the maximum comes back as stored, and a new maximum is a new
    observation like any other value."""
    t1, t2, t3 = (FROZEN_NOW + timedelta(days=d) for d in range(3))
    assert crawl_once(store, t1, seen(t1, max_points=490)).new_observations == 1
    assert crawl_once(store, t2, seen(t2, max_points=490)).new_observations == 0
    [current] = current_exits(store.engine)
    assert (current.max_points, current.first_seen, current.last_seen) == (490, t1, t2)
    assert crawl_once(store, t3, seen(t3, max_points=4_900)).new_observations == 1
    assert [(o.max_points, o.first_seen, o.last_seen) for o in observations(store)] == [
        (490, t1, t2), (4_900, t3, t3)]
    [current] = current_exits(store.engine)
    assert current.max_points == 4_900


def test_an_exit_without_a_maximum_reads_back_none(store):
    crawl_once(store, FROZEN_NOW, seen(FROZEN_NOW))
    [current] = current_exits(store.engine)
    assert current.max_points is None


def test_as_of_reads_the_exit_and_its_staleness_as_stored_then(store):
    """`as_of` (recommend --today in the past): the observation current then,
    last seen by the newest ok run finished by then, judged by the runs
    finished by then; nothing first seen after it."""
    from storage.queries import rate_history

    day = timedelta(days=1)
    t1, t2, t3, t4 = (FROZEN_NOW + n * day for n in range(4))
    degraded = RunOutcome("degraded", "few_items", 0, 0, 0, 0, 0)
    crawl_once(store, t1, seen(t1))
    crawl_once(store, t2, seen(t2))  # unchanged: one observation, last seen t2 (as of t1: t1)
    crawl_once(store, t2 + timedelta(hours=6), outcome=degraded)
    crawl_once(store, t3, seen(t3, points_in=480))
    crawl_once(store, t4, seen(t4))

    def at(as_of):
        [e] = current_exits(store.engine, as_of=as_of)
        return e.points_in, e.first_seen, e.last_seen, e.stale, e.last_verdict

    assert current_exits(store.engine, as_of=t1) == []  # first seen at t1: not before it
    assert at(t1 + timedelta(hours=1)) == (490, t1, t1, False, "ok")
    assert at(t2 + timedelta(hours=1)) == (490, t1, t2, False, "ok")
    assert at(t2 + timedelta(hours=7)) == (490, t1, t2, True, "degraded")
    assert at(t3 + timedelta(hours=1)) == (480, t3, t3, False, "ok")
    assert at(t4 + timedelta(hours=1)) == (490, t4, t4, False, "ok")
    assert at(None) == at(t4 + timedelta(hours=1))
    [(exit_id, history)] = rate_history(store.engine, as_of=t3 + timedelta(hours=1)).items()
    assert (history.first_seen, [(s.first_seen, s.points_in) for s in history.steps]) == (t1, [(t3, 480)])
