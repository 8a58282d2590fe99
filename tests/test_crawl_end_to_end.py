"""Recorded pages over real HTTP → Scrapy engine → SQLite, twice, then a change."""

import signal
import subprocess
import sys

from sqlmodel import Session, select

from pointexit.recorded import RECORDED, RecordedServer
from storage.engine import integrity_ok, open_engine
from storage.models import CrawlRun, ExitObservation, ExitRow
from storage.queries import current_exits
from tests.conftest import ROOT, HeldPage


def test_crawl_is_append_on_change(tmp_path, db_path, run_crawl):
    overlay = tmp_path / "overlay"
    server = RecordedServer(roots=[overlay, RECORDED]).start()
    try:
        first = run_crawl(["hapitas"], db_path, mirror=server.root_url)["hapitas"]
        second = run_crawl(["hapitas"], db_path, mirror=server.root_url)["hapitas"]

        page = (RECORDED / "hapitas/exchange/index.html").read_text(encoding="utf-8")
        changed = page.replace("490pt → 500円分", "480pt → 500円分", 1)
        assert changed != page
        (overlay / "hapitas/exchange").mkdir(parents=True)
        (overlay / "hapitas/exchange/index.html").write_text(changed, encoding="utf-8")
        third = run_crawl(["hapitas"], db_path, mirror=server.root_url)["hapitas"]
    finally:
        server.stop()

    # 8 exits and the Amazon 2% campaign.
    assert (first["verdict"], first["items"], first["new_observations"]) == ("ok", 9, 9)
    assert (second["verdict"], second["new_observations"]) == ("ok", 0)
    assert (third["verdict"], third["new_observations"]) == ("ok", 1)

    engine = open_engine(db_path, create=False)
    with Session(engine) as s:
        amazon = s.exec(select(ExitRow).where(ExitRow.destination == "amazon_gift")).one()
        history = s.exec(select(ExitObservation).where(ExitObservation.exit_id == amazon.id)
                         .order_by(ExitObservation.id)).all()
        assert [(o.points_in, o.value_out) for o in history] == [(490, 500), (480, 500)]
        old, new = history
        assert old.last_seen < new.first_seen  # the old value stays, closed by the change
        assert old.last_seen > old.first_seen  # the second crawl moved last_seen only
        assert len(s.exec(select(ExitObservation)).all()) == 9
        runs = s.exec(select(CrawlRun).order_by(CrawlRun.id)).all()
        assert [r.verdict for r in runs] == ["ok", "ok", "ok"]
        assert [r.new_observations for r in runs] == [9, 0, 1]
        assert all(o.source_url.startswith(server.root_url) for o in history)


def test_a_crawl_whose_reader_goes_away_still_exits(tmp_path, db_path):
    """`pointexit crawl | head -2`: the reader closes the pipe while a spider
    still crawls. Its report line then meets a broken pipe inside Scrapy's
    reactor; the crawl must still close its runs and the process exit, without
    a traceback, as a program whose output pipe closed (status 1, like Click)."""
    held = HeldPage()
    server = RecordedServer(faults={"/hapitas/exchange/": held}).start()
    err = tmp_path / "stderr"
    try:
        with err.open("w") as stderr:
            proc = subprocess.Popen(
                [sys.executable, "-m", "pointexit", "crawl", "hapitas", "--mirror", server.root_url,
                 "--db", db_path], stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=ROOT)
            try:
                assert proc.stdout.readline().startswith("crawling 2 spider(s)")
                assert proc.stdout.readline().startswith("hapitas_shopping")  # one spider done
                assert held.requested.wait(60)  # the other waits for its page
                proc.stdout.close()  # the reader goes away, as `head` does
                held.release.set()  # the page arrives; the spider's report line meets the closed pipe
                rc = proc.wait(30)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    finally:
        held.release.set()
        server.stop()
    stderr = err.read_text()
    assert rc == 1, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    engine = open_engine(db_path, create=False)
    assert integrity_ok(engine)
    with Session(engine) as s:
        runs = {r.spider: r for r in s.exec(select(CrawlRun)).all()}
        assert {name: r.verdict for name, r in runs.items()} == \
               {"hapitas": "ok", "hapitas_shopping": "ok"}
        stored = s.exec(select(ExitObservation).where(
            ExitObservation.run_id == runs["hapitas"].id)).all()
        # 8 exits and the Amazon 2% campaign, all stored by the run that met the closed pipe.
        assert (len(stored), runs["hapitas"].new_observations) == (8, 9)


def test_a_crawl_stopped_before_its_last_page_stores_nothing(tmp_path, db_path, run_crawl):
    """Ctrl-C during `pointexit crawl`: Scrapy stops gracefully, dropping the pages
    not yet fetched. What was read is not every page, so the run must not become
    the spider's newest ok run (which would make the dropped page's values look
    gone) nor change stored values: it is degraded, 'stopped', and stores nothing."""
    held = HeldPage(on=False)
    # Chobirich's four pages come one at a time; the third is held, the fourth not yet asked.
    server = RecordedServer(faults={"/chobirich/exchange/dotmoney/money/info/": held}).start()
    try:
        first = run_crawl(["chobirich"], db_path, mirror=server.root_url)["chobirich"]
        engine = open_engine(db_path, create=False)
        with Session(engine) as s:
            before = [o.model_dump() for o in s.exec(select(ExitObservation))]
        held.on = True
        proc = subprocess.Popen(
            [sys.executable, "-m", "pointexit", "crawl", "chobirich", "--mirror", server.root_url,
             "--db", db_path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            assert held.requested.wait(60), "the crawl never asked for its third page"
            proc.send_signal(signal.SIGINT)
            held.release.set()  # the page in flight arrives; the fourth is never asked for
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        asked = [r.path for r in server.requests if "/chobirich/exchange/" in r.path]
    finally:
        held.release.set()
        server.stop()
    assert (first["verdict"], first["items"]) == ("ok", 6)
    assert asked.count("/chobirich/exchange/point/pex/info/") == 1, asked  # the first crawl's
    assert "Traceback" not in err, err
    assert proc.returncode == 1, out  # as for any run that is not ok
    assert "stopped: 巡回が途中で止められました (読んだ3ページも保存していません)" in out, out
    with Session(engine) as s:
        stopped = s.exec(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        assert (stopped.verdict, stopped.new_observations) == ("degraded", 0)
        assert [o.model_dump() for o in s.exec(select(ExitObservation))] == before
    # Every exit is now marked unconfirmed alike, the PeX one no differently.
    assert {e.stale for e in current_exits(engine)} == {True}
