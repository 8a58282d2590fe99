"""Hostile input at the edges: scraped text with markup and control
characters on its way to the terminal and to JSON, bad numbers on a page, and
files passed as --db that are not (or no longer) sound pointexit databases.

(The page and feed side of scraped text is tested with the page itself.)
"""

import json
import os
import sqlite3
import unicodedata
from pathlib import Path

import pytest
from sqlmodel import Session, select

from pointexit.clock import now_jst
from pointexit.recorded import RECORDED, RecordedServer
from storage.engine import open_engine
from storage.models import CrawlRun, ExitObservation
from storage.records import ExitSeen, RunOutcome
from storage.store import Store
from tests.conftest import change_recorded_page

MARKUP = "[red]A[/red]:gift:"  # no spaces: the table will not wrap it
CONTROLS = "\x1b[2J\u202e\x07\x00\x9b\r\n"
HOSTILE_LABEL = f"{MARKUP}{CONTROLS}"
HOSTILE_LAG = "[link=https://evil.example]3営業日[/link]\x1b[31m"
HOSTILE_URL = "https://hapitas.jp/exchange/?q=[red]x[/red]"


def unsafe_chars(text: str) -> set[str]:
    """Characters that act on a terminal instead of printing (newlines aside)."""
    return {ch for ch in text if ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")}


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory) -> str:
    """A database holding hostile text, as another writer (or an older
    pointexit that did not clean its input) might have left it."""
    db = str(tmp_path_factory.mktemp("hostile") / "hostile.db")
    store = Store(open_engine(db))
    now = now_jst()
    run = store.begin_run("hapitas", "hapitas", now)
    store.finish_run(run, RunOutcome("ok", None, 1, 1, 0, 0, 10_000), now, [ExitSeen(
        site="hapitas", destination="amazon_gift", label=HOSTILE_LABEL, points_in=490,
        value_out=500, source_url=HOSTILE_URL, seen_at=now, minimum_points=490,
        step_points=490, lag_min_days=1, lag_max_days=3, lag_text=HOSTILE_LAG)])
    store.engine.dispose()
    return db


RECOMMEND = ["recommend", "--balance", "hapitas=1000", "--spend", "2026-12-10:500",
             "--today", "2026-11-23"]
# The values are stored on the clock's day: plan for 2026-11-23 on them as if
# that day were today (a past --today reads what was stored by then).
ON_PLAN_DAY = {"POINTEXIT_NOW": "2026-11-23T09:00"}


@pytest.mark.parametrize("args", [["exits"], RECOMMEND], ids=["exits", "recommend"])
def test_the_terminal_shows_markup_as_written_and_no_control_character_acts(hostile_db, cli, args):
    proc = cli(*args, "--db", hostile_db, env=ON_PLAN_DAY if args == RECOMMEND else None)
    assert proc.returncode == 0, proc.stderr
    assert MARKUP in proc.stdout  # printed as written, not interpreted (nor made an emoji)
    assert unsafe_chars(proc.stdout) == set()
    assert "\\x1b[2J\\u202e\\x07\\x00\\x9b\\x0d\\x0a" in proc.stdout  # visibly what they are


@pytest.mark.parametrize("args", [["exits"], RECOMMEND], ids=["exits", "recommend"])
def test_json_is_valid_exact_and_safe_to_print(hostile_db, cli, args):
    proc = cli(*args, "--json", "--db", hostile_db, env=ON_PLAN_DAY if args == RECOMMEND else None)
    assert proc.returncode == 0, proc.stderr
    assert unsafe_chars(proc.stdout) == set()
    data = json.loads(proc.stdout)
    if args == ["exits"]:
        [row] = data
        assert (row["label"], row["lag_text"], row["source_url"]) == (HOSTILE_LABEL, HOSTILE_LAG, HOSTILE_URL)
    else:
        [step] = data["steps"]
        assert (step["label"], step["source_url"]) == (HOSTILE_LABEL, HOSTILE_URL)
        assert HOSTILE_LABEL in data["reasons"][0]["text"]
        assert data["reasons"][0]["source_url"] == HOSTILE_URL


def overlay_page(tmp_path: Path, old: str, new: str) -> Path:
    return change_recorded_page(tmp_path / "overlay", "hapitas/exchange/index.html", old, new)


def test_a_scraped_label_is_cleaned_on_the_way_in_and_escaped_on_the_way_out(tmp_path, db_path,
                                                                              run_crawl, cli):
    overlay = overlay_page(tmp_path, "Amazonギフトカード</a>",
                           f"Amazonギフトカード{MARKUP}\x1b[31m\u202e\x07</a>")
    server = RecordedServer(roots=[overlay, RECORDED]).start()
    try:
        report = run_crawl(["hapitas"], db_path, mirror=server.root_url)["hapitas"]
    finally:
        server.stop()
    assert report["verdict"] == "ok"
    [row] = json.loads(cli("exits", "-d", "amazon_gift", "--json", "--db", db_path).stdout)
    assert row["label"] == f"Amazonギフトカード{MARKUP}[31m"  # controls gone, the rest kept
    table = cli("exits", "-d", "amazon_gift", "--db", db_path).stdout
    assert f"Amazonギフトカード{MARKUP}" in table and unsafe_chars(table) == set()


def test_a_huge_number_on_a_page_is_flagged_and_not_stored(tmp_path, db_path, run_crawl):
    overlay = overlay_page(tmp_path, "300pt → 300円</td>", "300pt → " + "9" * 5000 + "円</td>")
    server = RecordedServer(roots=[overlay, RECORDED]).start()
    try:
        report = run_crawl(["hapitas"], db_path, mirror=server.root_url)["hapitas"]
    finally:
        server.stop()
    assert report["valid_items"] == report["items"] - 1
    engine = open_engine(db_path, create=False)
    with Session(engine) as s:
        [run] = s.exec(select(CrawlRun)).all()
        assert json.loads(run.stats_json)["pointexit/invalid/missing:points_in"] == 1
        stored = s.exec(select(ExitObservation)).all()
    # One invalid item is below the ok share: the run is degraded and stores nothing;
    # either way the unreadable value never becomes a number in the database.
    assert run.verdict == "degraded" and stored == []


# --- files that are not sound pointexit databases, for every command ---------

def _commands_with_db() -> list[str]:
    import typer.main

    from pointexit.cli import app, load_commands

    load_commands([])
    group = typer.main.get_command(app)
    return sorted(name for name, cmd in group.commands.items()
                  if any("--db" in getattr(p, "opts", ()) for p in cmd.params))


COMMANDS = _commands_with_db()


def _real_db(tmp_path: Path) -> Path:
    db = tmp_path / "real.db"
    store = Store(open_engine(db))
    now = now_jst()
    for n in range(20):  # enough rows for several pages
        run = store.begin_run("hapitas", "hapitas", now)
        store.finish_run(run, RunOutcome("ok", None, 1, 1, 0, 0, 10_000), now, [ExitSeen(
            site="hapitas", destination="amazon_gift", label="Amazon " + "x" * 500,
            points_in=490 + n, value_out=500, source_url="https://hapitas.jp/exchange/", seen_at=now)])
    store.engine.dispose()  # checkpoints the WAL into the file
    assert not Path(str(db) + "-wal").exists()
    return db


def junk(tmp_path):
    (p := tmp_path / "junk.db").write_text("my notes, not a database\n" * 40)
    return p, "not an SQLite file"


def header_then_noise(tmp_path):
    (p := tmp_path / "noise.db").write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    return p, "is damaged"


def valid_header_damaged_pages(tmp_path):
    p = _real_db(tmp_path)
    data = bytearray(p.read_bytes())
    data[100:] = os.urandom(len(data) - 100)  # the schema page's body and all the rest
    p.write_bytes(bytes(data))
    return p, "malformed"


def truncated(tmp_path):
    p = _real_db(tmp_path)
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    return p, "truncated"


def another_programs_database(tmp_path):
    p = tmp_path / "other.db"
    con = sqlite3.connect(p)
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, yen INTEGER)")
    con.execute("INSERT INTO invoices (yen) VALUES (1200)")
    con.commit()
    con.close()
    return p, "another program's database"


def unreadable_schema_version(tmp_path):
    # was an internal error (int() of it), exit 1
    p = _real_db(tmp_path)
    con = sqlite3.connect(p)
    con.execute("UPDATE meta SET value = 'v4' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    return p, "unreadable schema version 'v4'"


BAD_FILES = [junk, header_then_noise, valid_header_damaged_pages, truncated, another_programs_database,
             unreadable_schema_version]


def snapshot(path: Path) -> dict:
    """The file and anything SQLite might have left next to it."""
    return {q.name: q.read_bytes() for q in path.parent.glob(path.name + "*")}


def run_in_process(command: str, path, monkeypatch, capsys) -> tuple[int, str]:
    """`pointexit COMMAND --db PATH` through main(): its exit status and stderr."""
    from pointexit.cli import main

    monkeypatch.setenv("POINTEXIT_DATA_DIR", str(path.parent / "data"))
    monkeypatch.delenv("POINTEXIT_DEBUG", raising=False)
    rc = main([command, "--db", str(path)])
    return rc, capsys.readouterr().err


@pytest.mark.parametrize("make", BAD_FILES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_bad_database_file_is_one_line_exit_2_and_untouched(tmp_path, monkeypatch, capsys,
                                                              command, make):
    path, message = make(tmp_path)
    before = snapshot(path)
    rc, err = run_in_process(command, path, monkeypatch, capsys)
    assert rc == 2, err
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert snapshot(path) == before


def _overwrite_page(path, name: str, skip: int = 0, length: int | None = None) -> None:
    """Fill the root page of table or index `name` with 0xff (from byte `skip`, `length` bytes)."""
    con = sqlite3.connect(path)
    [root] = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * page_size + skip
    length = page_size - skip if length is None else length
    data[start:start + length] = b"\xff" * length
    path.write_bytes(bytes(data))


def test_damage_found_only_by_a_query_is_still_one_line_exit_2(tmp_path, monkeypatch, capsys):
    """Opening reads the schema and the version; a broken observation page
    shows up only when `exits` reads it."""
    from pointexit.cli import main

    path = _real_db(tmp_path)
    _overwrite_page(path, "exit_observation")
    before = path.read_bytes()
    monkeypatch.setenv("POINTEXIT_DATA_DIR", str(tmp_path / "data"))
    for command in ("exits", "recommend"):  # the commands that read exit observations
        rc = main([command, "--db", str(path)])
        err = capsys.readouterr().err
        assert rc == 2 and "database error" in err and "malformed" in err, err
        assert len(err.strip().splitlines()) == 1
    assert path.read_bytes() == before  # (SQLite's -wal/-shm of an open WAL database may appear)


@pytest.mark.parametrize("command", ["exits", "campaigns", "offers", "status"])
def test_a_damaged_index_hiding_the_version_is_not_migrated(tmp_path, monkeypatch, capsys, command):
    """A broken page in meta's index can hide the version row: the file read
    as schema v0 and a read-only command migrated it (writing into the damaged
    file) and went on as if nothing were wrong."""
    path = _real_db(tmp_path)
    _overwrite_page(path, "sqlite_autoindex_meta_1", skip=8, length=200)  # the index's cells
    before = snapshot(path)
    rc, err = run_in_process(command, path, monkeypatch, capsys)
    assert rc == 2, err
    # SQLite notices the damage either on the version read or in the check before a migration.
    assert ("is damaged" in err or "malformed" in err) and len(err.strip().splitlines()) == 1, err
    assert snapshot(path) == before


def test_the_installed_command_says_the_same(tmp_path, cli):
    """The matrix above calls main() in-process; one real process for good measure."""
    path, message = truncated(tmp_path)
    before = snapshot(path)
    proc = cli("exits", "--db", str(path))
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert snapshot(path) == before
