"""PostgreSQL as the database, on a real server the suite starts on 127.0.0.1:
the same tables, crawls through the real Scrapy engine, and every command."""

import json
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session, select

from pointexit.clock import JST
from pointexit.recorded import RECORDED, RecordedServer
from storage.engine import StorageError, integrity_ok, open_engine, schema_version
from storage.models import SCHEMA_VERSION, CrawlRun, ExitObservation, ExitRow
from storage.records import ExitSeen, RunOutcome
from storage.store import Store
from tests.conftest import FROZEN_NOW, ROOT, change_recorded_page


def seen(at, points_in=490):
    return ExitSeen(site="hapitas", destination="amazon_gift", label="Amazonギフトカード",
                    points_in=points_in, value_out=500, source_url="https://hapitas.jp/exchange/",
                    seen_at=at, minimum_points=490, step_points=490)


def test_the_same_tables_as_sqlite(postgres_url, tmp_path):
    pg, lite = open_engine(postgres_url), open_engine(tmp_path / "same.db")
    assert pg.dialect.name == "postgresql"
    assert schema_version(pg) == SCHEMA_VERSION and integrity_ok(pg)
    for table in inspect(lite).get_table_names():
        assert ({c["name"] for c in inspect(pg).get_columns(table)}
                == {c["name"] for c in inspect(lite).get_columns(table)}), table
    assert set(inspect(pg).get_table_names()) == set(inspect(lite).get_table_names())


def test_append_on_change_and_tokyo_times_through_the_store(postgres_url):
    store = Store(open_engine(postgres_url))
    ok = RunOutcome("ok", None, 1, 1, 0, 0, 10_000)
    t1, t2, t3 = FROZEN_NOW, FROZEN_NOW + timedelta(hours=6), FROZEN_NOW + timedelta(days=1)
    for at, points in ((t1, 490), (t2, 490), (t3, 480)):
        store.finish_run(store.begin_run("hapitas", "hapitas", at), ok, at, [seen(at, points)])
    with Session(store.engine) as s:
        old, new = s.exec(select(ExitObservation).order_by(ExitObservation.id)).all()
    assert (old.points_in, old.first_seen, old.last_seen) == (490, t1, t2)
    assert (new.points_in, new.first_seen) == (480, t3)
    assert old.first_seen.utcoffset() == timedelta(hours=9) and old.first_seen.tzinfo == JST


def test_a_crawl_through_the_real_engine_is_append_on_change(postgres_url, run_crawl, tmp_path):
    overlay = tmp_path / "overlay"
    server = RecordedServer(roots=[overlay, RECORDED]).start()
    try:
        first = run_crawl(["hapitas"], postgres_url, mirror=server.root_url)["hapitas"]
        second = run_crawl(["hapitas"], postgres_url, mirror=server.root_url)["hapitas"]
        change_recorded_page(overlay, "hapitas/exchange/index.html", "490pt → 500円分", "480pt → 500円分")
        third = run_crawl(["hapitas"], postgres_url, mirror=server.root_url)["hapitas"]
    finally:
        server.stop()
    # 8 exits and the Amazon campaign, then nothing, then the changed rate.
    assert [(r["verdict"], r["new_observations"]) for r in (first, second, third)] == [
        ("ok", 9), ("ok", 0), ("ok", 1)]
    engine = open_engine(postgres_url, create=False)
    with Session(engine) as s:
        amazon = s.exec(select(ExitRow).where(ExitRow.destination == "amazon_gift")).one()
        history = s.exec(select(ExitObservation).where(ExitObservation.exit_id == amazon.id)
                         .order_by(ExitObservation.id)).all()
        assert [(o.points_in, o.value_out) for o in history] == [(490, 500), (480, 500)]
        assert history[0].last_seen < history[1].first_seen
        runs = s.exec(select(CrawlRun).order_by(CrawlRun.id)).all()
        assert [r.verdict for r in runs] == ["ok"] * 3 and all(r.host for r in runs)


@pytest.fixture
def crawled_postgres(postgres_url, cli, recorded_server):
    # The test server trusts local users, so a password is accepted and ignored:
    # enough to see that the crawl never prints it.
    with_password = postgres_url.replace("pointexit@", "pointexit:pa55word@")
    proc = cli("crawl", "hapitas", "--base-url", recorded_server.base_url("hapitas"),
               "--db", with_password)
    assert proc.returncode == 0, proc.stderr
    assert "hapitas              items   9  new observations   9  ok" in proc.stdout
    assert "pointexit:***@" in proc.stdout and "pa55word" not in proc.stdout + proc.stderr
    return postgres_url


def test_exits_and_recommend_read_postgres(crawled_postgres, cli):
    proc = cli("exits", "--destination", "amazon_gift", "--json", "--db", crawled_postgres)
    assert proc.returncode == 0, proc.stderr
    [amazon] = json.loads(proc.stdout)
    assert (amazon["site"], amazon["points_in"], amazon["value_out"]) == ("hapitas", 490, 500)
    assert (amazon["lag_min_days"], amazon["lag_max_days"], amazon["stale"]) == (1, 3, False)

    proc = cli("recommend", "--balance", "hapitas=1234", "--spend", "2026-12-10:5000",
               "--today", "2026-11-23", "--json",
               # crawled on the clock's day: plan on its market as if 11-23 were today
               env={"POINTEXIT_DB": crawled_postgres, "POINTEXIT_NOW": "2026-11-23T09:00"})
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    [step] = plan["steps"]
    assert (step["points"], step["yen"], step["apply_by"]) == (980, 1000, "2026-12-06")
    assert plan["left"] == {"hapitas": 254}


def test_the_demo_runs_on_postgres(postgres_url, cli):
    proc = cli("demo", "--db", postgres_url)
    assert proc.returncode == 0, proc.stderr
    assert "交換プラン" in proc.stdout and "490pt → 500円" in proc.stdout


def test_postgres_short_urls_use_psycopg(postgres_url):
    short = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    assert open_engine(short).dialect.driver == "psycopg"


def test_an_unreachable_server_is_one_line_exit_2_without_the_password(cli, postgres_server):
    from tests.conftest import free_port

    url = f"postgresql://pointexit:s3cret-pw@127.0.0.1:{free_port()}/nothing"
    for args in (["exits"], ["crawl", "hapitas"]):  # the read path and the write path
        proc = cli(*args, "--db", url)
        assert proc.returncode == 2, proc.stderr
        assert "cannot open database" in proc.stderr and "s3cret-pw" not in proc.stderr + proc.stdout
        assert len(proc.stderr.strip().splitlines()) == 1


def test_an_empty_postgres_database_is_refused_for_reading(postgres_url, cli):
    # Named as the other storage errors name it, a URL's password masked (the
    # test server trusts local users, so the password is not checked).
    url = postgres_url.replace("@", ":s3cret-pw@", 1)
    proc = cli("exits", "--db", url)
    assert proc.returncode == 2, proc.stderr
    assert f"database {url.replace('s3cret-pw', '***')} is empty" in proc.stderr, proc.stderr
    assert "s3cret-pw" not in proc.stderr


def test_a_missing_driver_names_the_extra_to_install(postgres_url):
    code = ("import sys; sys.modules['psycopg'] = None\n"
            "from storage.engine import open_engine, StorageError\n"
            f"try: open_engine({postgres_url!r})\n"
            "except StorageError as e: print(e)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "pip install 'pointexit[postgres]'" in proc.stdout, proc.stderr


def test_another_programs_postgres_database_is_left_alone(postgres_url):
    import psycopg

    with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id int)")
    with pytest.raises(StorageError, match="another program's database"):
        open_engine(postgres_url)
    from sqlalchemy import create_engine

    raw = create_engine(postgres_url)
    assert inspect(raw).get_table_names() == ["invoices"]
    raw.dispose()


def test_a_run_from_another_machine_is_not_failed_by_pid(postgres_url):
    store = Store(open_engine(postgres_url))
    theirs = store.begin_run("hapitas", "hapitas", FROZEN_NOW)
    with Session(store.engine) as s:
        row = s.get(CrawlRun, theirs)
        row.host, row.pid = "scrapyd-box", 2**22 + 7  # no such pid here, but not our machine
        s.add(row)
        s.commit()
    store.begin_run("hapitas", "hapitas", FROZEN_NOW + timedelta(minutes=5))
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT verdict FROM crawl_run WHERE id = :i"), {"i": theirs}).scalar() == "running"
    store.begin_run("hapitas", "hapitas", FROZEN_NOW + timedelta(hours=7))  # no crawl lasts that long
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT verdict FROM crawl_run WHERE id = :i"), {"i": theirs}).scalar() == "failed"


def test_the_schedule_never_logs_the_password(postgres_url, cli, recorded_server, tmp_path):
    with_password = postgres_url.replace("pointexit@", "pointexit:pa55word@")
    proc = cli("schedule", "pex", "--runs", "1", "--jitter", "0", "--mirror", recorded_server.root_url,
               "--db", with_password, "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    shown = postgres_url.replace("postgresql+psycopg://pointexit@", "postgresql+psycopg://pointexit:***@")
    assert f"1 spider(s) into {shown}, page in" in proc.stderr
    assert "crawl #1 pex: ok, 4 items, 4 new observations" in proc.stderr
    assert "pa55word" not in proc.stdout + proc.stderr
