"""Schema versions, on SQLite and on PostgreSQL: a database written by schema
v1 (tests/files/schema_v1.*.sql, dumped from a real v1 crawl) is brought
forward whole, a newer database is refused untouched, and a failed migration
leaves the old schema as it was."""

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from storage import migrations
from storage.engine import StorageError, integrity_ok, open_engine, schema_version
from storage.models import SCHEMA_VERSION
from storage.queries import current_exits, last_runs
from tests.conftest import FILES

BACKENDS = ["sqlite", "postgresql"]


def load_v1(backend: str, tmp_path: Path, request) -> str:
    if backend == "sqlite":
        db = tmp_path / "v1.db"
        con = sqlite3.connect(db)
        con.executescript((FILES / "schema_v1.sqlite.sql").read_text(encoding="utf-8"))
        con.close()
        return str(db)
    import psycopg

    url = request.getfixturevalue("postgres_url")
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute((FILES / "schema_v1.postgresql.sql").read_text(encoding="utf-8"))
    return url


@pytest.fixture(params=BACKENDS)
def v1_db(request, tmp_path):
    return load_v1(request.param, tmp_path, request)


def fresh_db(backend: str, tmp_path: Path, request) -> str:
    return str(tmp_path / "fresh.db") if backend == "sqlite" else request.getfixturevalue("postgres_url")


def shape(engine) -> dict:
    insp = inspect(engine)
    return {t: ({c["name"] for c in insp.get_columns(t)},
                {i["name"] for i in insp.get_indexes(t)}) for t in insp.get_table_names()}


def stamp(db: str, version: int) -> None:
    engine = open_engine(db)
    with engine.begin() as conn:
        conn.execute(text("UPDATE meta SET value = :v WHERE key = 'schema_version'"), {"v": str(version)})
    engine.dispose()


def test_the_dump_really_is_schema_v1(v1_db):
    from sqlalchemy import create_engine

    from storage.engine import db_url

    raw = create_engine(db_url(v1_db))
    with raw.connect() as conn:
        assert conn.execute(text("SELECT value FROM meta")).scalar() == "1"
    assert "host" not in {c["name"] for c in inspect(raw).get_columns("crawl_run")}
    raw.dispose()


def test_newer_code_migrates_an_older_database_keeping_its_data(v1_db):
    engine = open_engine(v1_db)
    assert schema_version(engine) == SCHEMA_VERSION
    assert "host" in {c["name"] for c in inspect(engine).get_columns("crawl_run")}
    exits = {e.destination: e for e in current_exits(engine)}
    assert len(exits) == 8 and (exits["amazon_gift"].points_in, exits["amazon_gift"].value_out) == (490, 500)
    assert not exits["amazon_gift"].stale
    run = last_runs(engine)["hapitas"]
    assert (run.run_id, run.verdict, run.new_observations) == (2, "ok", 0)
    assert integrity_ok(engine)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_migrated_schema_is_the_same_as_a_fresh_one(backend, tmp_path, request):
    migrated = open_engine(load_v1(backend, tmp_path, request))
    fresh = open_engine(fresh_db(backend, tmp_path, request))
    assert shape(migrated) == shape(fresh)


@pytest.mark.parametrize("stamped", [None, "1"])
def test_a_half_made_file_is_completed_not_an_internal_error(tmp_path, cli, stamped):
    # Only pointexit's `meta` table, empty or stamped v1: the steps altered
    # tables that were not there (NoSuchTableError: crawl_run, exit 1).
    db = tmp_path / "half.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    if stamped:
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", (stamped,))
    con.commit()
    con.close()
    proc = cli("exits", "--db", str(db))
    assert proc.returncode == 0 and "交換先のデータがありません" in proc.stdout, proc.stderr
    completed = open_engine(db, create=False)
    assert schema_version(completed) == SCHEMA_VERSION
    assert shape(completed) == shape(open_engine(fresh_db("sqlite", tmp_path, None)))


def test_a_crawl_after_the_migration_appends_only_changes(v1_db, run_crawl, recorded_server):
    [report] = run_crawl(["hapitas"], v1_db, mirror=recorded_server.root_url).values()
    # The exits are as v1 stored them; the page's campaign is new to this database.
    assert (report["verdict"], report["new_observations"]) == ("ok", 1)
    engine = open_engine(v1_db, create=False)
    with engine.connect() as conn:
        hosts = conn.execute(text("SELECT host FROM crawl_run ORDER BY id")).scalars().all()
        assert hosts[:2] == [None, None] and hosts[2]  # old runs kept; the new one names its machine
        assert conn.execute(text("SELECT count(*) FROM exit_observation")).scalar() == 8
        assert conn.execute(text("SELECT count(*) FROM campaign_observation")).scalar() == 1


def test_read_commands_work_on_an_older_database(v1_db, cli):
    import json

    proc = cli("exits", "--json", "--db", v1_db)
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)) == 8


def test_older_code_refuses_a_newer_database_and_changes_nothing(v1_db, cli):
    stamp(v1_db, SCHEMA_VERSION + 1)
    before = Path(v1_db).read_bytes() if "://" not in v1_db else None
    with pytest.raises(StorageError, match=rf"schema v{SCHEMA_VERSION + 1} is newer .* upgrade pointexit"):
        open_engine(v1_db)
    for args in (["exits"], ["crawl", "hapitas"]):  # the read path and the write path
        proc = cli(*args, "--db", v1_db)
        assert proc.returncode == 2 and "upgrade pointexit" in proc.stderr, proc.stderr
        # pointexit is installed from its checkout (README: pip install -e .), not
        # from PyPI, where `pip install -U pointexit` finds nothing to upgrade to.
        assert "git pull" in proc.stderr and "pip install -U" not in proc.stderr, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    if before is not None:
        assert Path(v1_db).read_bytes() == before
    from sqlalchemy import create_engine

    from storage.engine import db_url

    raw = create_engine(db_url(v1_db))
    with raw.connect() as conn:
        assert conn.execute(text("SELECT value FROM meta")).scalar() == str(SCHEMA_VERSION + 1)
    raw.dispose()


def test_a_failed_migration_leaves_the_old_schema_whole(v1_db, monkeypatch):
    real = migrations.STEPS[2]

    def half_then_fail(conn):
        real(conn)
        raise RuntimeError("power cut")

    monkeypatch.setitem(migrations.STEPS, 2, half_then_fail)
    with pytest.raises(RuntimeError, match="power cut"):
        open_engine(v1_db)
    monkeypatch.setitem(migrations.STEPS, 2, real)

    from sqlalchemy import create_engine

    from storage.engine import db_url

    raw = create_engine(db_url(v1_db))
    assert "host" not in {c["name"] for c in inspect(raw).get_columns("crawl_run")}
    with raw.connect() as conn:
        assert conn.execute(text("SELECT value FROM meta")).scalar() == "1"
    raw.dispose()
    assert schema_version(open_engine(v1_db)) == SCHEMA_VERSION  # and it still migrates later


def _locked() -> Exception:
    from sqlalchemy.exc import OperationalError

    return OperationalError("ALTER TABLE crawl_run ADD COLUMN host", None,
                            sqlite3.OperationalError("database is locked"))


def _lock_step_2(monkeypatch, times: int) -> list[int]:
    """Step 2 runs, then SQLite refuses a lock, the first `times` times."""
    real, calls = migrations.STEPS[2], []

    def step(conn):
        calls.append(1)
        real(conn)
        if len(calls) <= times:
            raise _locked()

    monkeypatch.setitem(migrations.STEPS, 2, step)
    monkeypatch.setattr("storage.engine.time.sleep", lambda s: None)
    return calls


def test_an_upgrade_refused_a_lock_is_rolled_back_and_tried_again(tmp_path, request, monkeypatch):
    db = load_v1("sqlite", tmp_path, request)
    con = sqlite3.connect(db)
    observations = con.execute("SELECT id, points_in, value_out FROM exit_observation").fetchall()
    con.close()
    calls = _lock_step_2(monkeypatch, times=2)
    engine = open_engine(db)
    assert len(calls) == 3 and schema_version(engine) == SCHEMA_VERSION and integrity_ok(engine)
    with engine.connect() as conn:  # the v1 rows came through once each
        assert conn.execute(text("SELECT id, points_in, value_out FROM exit_observation")).all() == observations
    assert observations


def test_an_upgrade_locked_out_every_time_gives_up_and_leaves_v1(tmp_path, request, monkeypatch):
    db = load_v1("sqlite", tmp_path, request)
    calls = _lock_step_2(monkeypatch, times=99)
    with pytest.raises(StorageError, match=r"cannot upgrade the database from schema v1 to v\d+: "
                                           r".*locked.*nothing was changed"):
        open_engine(db)
    assert len(calls) == 5
    con = sqlite3.connect(db)
    assert con.execute("SELECT value FROM meta").fetchone() == ("1",)
    assert "host" not in {row[1] for row in con.execute("PRAGMA table_info(crawl_run)")}
    con.close()


def test_two_processes_opening_an_old_database_at_once_both_succeed(v1_db):
    errors, versions = [], []

    def open_it():
        try:
            engine = open_engine(v1_db)
            versions.append(schema_version(engine))
            engine.dispose()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and versions == [SCHEMA_VERSION] * 3


def test_a_site_added_to_the_catalog_later_is_written_before_a_crawl_needs_it(v1_db):
    engine = open_engine(v1_db)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM site WHERE slug = 'pex'"))
    engine.dispose()
    reader = open_engine(v1_db, create=False)  # readers do not write
    with reader.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM site WHERE slug = 'pex'")).scalar() == 0
    writer = open_engine(v1_db)
    with writer.connect() as conn:
        assert conn.execute(text("SELECT name FROM site WHERE slug = 'pex'")).scalar() == "PeX"


def test_a_user_who_may_not_alter_tables_is_told_what_to_do(tmp_path, request):
    """PostgreSQL: the database's owner migrates; a read-only user gets one
    line saying what to do, and the schema stays as it was."""
    import psycopg

    url = load_v1("postgresql", tmp_path, request)
    dbname = url.rsplit("/", 1)[1]
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS reader")
        conn.execute("CREATE ROLE reader LOGIN")
        conn.execute(f'GRANT CONNECT ON DATABASE "{dbname}" TO reader')
        conn.execute("GRANT USAGE ON SCHEMA public TO reader")
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader")
    as_reader = url.replace("://pointexit@", "://reader@")
    with pytest.raises(StorageError, match=rf"cannot upgrade the database from schema v1 to "
                                           rf"v{SCHEMA_VERSION}: .*(permission|owner).*nothing was changed"):
        open_engine(as_reader, create=False)
    from sqlalchemy import create_engine

    raw = create_engine(url)
    assert "host" not in {c["name"] for c in inspect(raw).get_columns("crawl_run")}
    raw.dispose()
    assert schema_version(open_engine(url)) == SCHEMA_VERSION  # the owner can


def test_v4_adds_the_largest_exchange_unknown_for_old_observations(v1_db):
    """v1 stored no maximum: old observations read back None, and the first
    crawl that sees one appends a new observation, keeping the old one."""
    from datetime import timedelta

    from storage.records import ExitSeen, RunOutcome
    from storage.store import Store

    engine = open_engine(v1_db)
    assert "max_points" in {c["name"] for c in inspect(engine).get_columns("exit_observation")}
    before = {e.destination: e for e in current_exits(engine)}
    assert {e.max_points for e in before.values()} == {None}
    gift = before["amazon_gift"]
    at = gift.last_seen + timedelta(days=1)
    store = Store(engine)
    run = store.begin_run("hapitas", "hapitas", at)
    again = ExitSeen(site=gift.site, destination=gift.destination, label=gift.label,
                     points_in=gift.points_in, value_out=gift.value_out, source_url=gift.source_url,
                     seen_at=at, variant=gift.variant, minimum_points=gift.minimum_points,
                     step_points=gift.step_points, max_points=gift.points_in,
                     fee_points=gift.fee_points, lag_min_days=gift.lag_min_days,
                     lag_max_days=gift.lag_max_days, lag_text=gift.lag_text,
                     daily_cap_points=gift.daily_cap_points,
                     monthly_cap_points=gift.monthly_cap_points,
                     daily_exchanges=gift.daily_exchanges, cap_scope=gift.cap_scope,
                     cap_text=gift.cap_text)
    result = store.finish_run(run, RunOutcome("ok", None, 1, 1, 0, 0, 10_000), at, [again])
    assert result.new_observations == 1
    after = {e.destination: e for e in current_exits(engine)}
    assert (after["amazon_gift"].max_points, after["amazon_gift"].first_seen) == (490, at)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT max_points FROM exit_observation WHERE exit_id = :i "
                                 "ORDER BY id"), {"i": gift.exit_id}).scalars().all() == [None, 490]


def test_v5_old_campaigns_and_offers_keep_what_they_were_seen_for(v1_db):
    """Before v5 the destination (store) was the identity's only: old
    observations read back the one they were seen for, and a sighting for
    another one under the same key appends, keeping them."""
    from datetime import datetime

    from sqlalchemy import create_engine

    from pointexit.clock import JST
    from storage.engine import db_url
    from storage.queries import campaigns, routing_offers
    from storage.records import CampaignSeen, RunOutcome
    from storage.store import Store

    raw = create_engine(db_url(v1_db))
    with raw.begin() as conn:
        # (no ids given: PostgreSQL's sequences must make them)
        seen = "'2026-11-23 19:52:49', '2026-11-23 19:52:51', 1"
        conn.execute(text("INSERT INTO campaign (site, key, destination) "
                          "VALUES ('hapitas', 'campaign/202611', 'amazon_gift')"))
        conn.execute(text(
            "INSERT INTO campaign_observation (campaign_id, title, kind, bonus_bp, first_come, source_url, "
            "first_seen, last_seen, run_id) SELECT id, '交換増量', 'bonus', 200, FALSE, "
            f"'https://hapitas.jp/campaign/202611', {seen} FROM campaign"))
        conn.execute(text("INSERT INTO routing_offer (site, key, store) VALUES ('hapitas', 'itemid/98012', 'Amazon')"))
        conn.execute(text(
            "INSERT INTO routing_offer_observation (offer_id, title, rate_bp, source_url, first_seen, last_seen, "
            f"run_id) SELECT id, 'Amazon', 100, 'https://hapitas.jp/item/98012', {seen} FROM routing_offer"))
    raw.dispose()
    engine = open_engine(v1_db)
    assert [c.destination for c in campaigns(engine)] == ["amazon_gift"]
    assert [o.store for o in routing_offers(engine)] == ["Amazon"]
    at = datetime(2026, 12, 1, 9, 0, tzinfo=JST)
    store = Store(engine)
    run = store.begin_run("hapitas", "hapitas", at)
    moved = CampaignSeen(site="hapitas", key="campaign/202611", destination="dotmoney", title="交換増量",
                         kind="bonus", bonus_bp=200, source_url="https://hapitas.jp/campaign/202611", seen_at=at)
    assert store.finish_run(run, RunOutcome("ok", None, 1, 1, 0, 0, 10_000), at,
                            campaigns=[moved]).new_observations == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT destination FROM campaign_observation ORDER BY id")
                            ).scalars().all() == ["amazon_gift", "dotmoney"]
    assert [c.destination for c in campaigns(engine)] == ["dotmoney"]
