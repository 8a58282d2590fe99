"""While the scheduler crawls and writes, `pointexit exits` keeps reading:
at least 100 queries from four processes during scheduled crawls, zero
"database is locked" (SQLite in WAL mode with a busy timeout)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

from sqlmodel import Session, select

from pointexit.clock import JST
from storage.engine import open_engine
from storage.models import CrawlRun
from storage.queries import current_exits
from tests.conftest import ROOT
from tests.test_schedule import Scheduled, amazon_history, changing_server  # noqa: F401 (fixture)

READERS = 4
QUERIES_EACH = 25

# Each reader runs the real command path (`main(["exits", ...])`: open the
# database, query, print JSON) in one process, paced, until the scheduler has
# finished (the stop file) and it has made QUERIES_EACH queries, and reports
# what happened. Reading until the crawls are over, not for a fixed time,
# keeps the reads overlapping the writes however slowly the machine starts
# processes (a loaded machine took ~10 s between crawls meant 1.4 s apart).
READER = r"""
import contextlib, io, json, os, sys, time
from pointexit.cli import main
db, n, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
report = {"start": time.time(), "rc": [], "errors": [], "rows": [], "rates": []}
while len(report["rc"]) < n or not os.path.exists(stop):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["exits", "--json", "--db", db])
    report["rc"].append(rc)
    if rc == 0:
        rows = json.loads(out.getvalue())
        report["rows"].append(len(rows))
        report["rates"] += [r["points_in"] for r in rows if r["destination"] == "amazon_gift"]
    else:
        report["errors"].append(err.getvalue())
    time.sleep(0.08)
report["end"] = time.time()
print(json.dumps(report))
"""


def test_a_hundred_exits_queries_during_scheduled_crawls_never_see_a_locked_database(
        changing_server, tmp_path):  # noqa: F811
    db = str(tmp_path / "p.db")
    sched = Scheduled("hapitas", "--every", "0.0004", "--jitter", "0", "--runs", "4",
                      "--mirror", changing_server.root_url, db=db, out=tmp_path / "out")
    sched.wait_for(r"crawl #1 finished")  # the database has data; crawls #2-#4 are to come
    stop = tmp_path / "crawls-over"
    readers = [subprocess.Popen([sys.executable, "-c", READER, db, str(QUERIES_EACH), str(stop)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(READERS)]
    try:
        assert sched.finish() == 0, sched.log
    finally:
        stop.touch()
    reports = []
    for reader in readers:
        out, err = reader.communicate(timeout=180)
        assert reader.returncode == 0, err[-2000:]
        reports.append(json.loads(out.strip().splitlines()[-1]))

    results = [rc for r in reports for rc in r["rc"]]
    errors = [e for r in reports for e in r["errors"]]
    assert len(results) >= READERS * QUERIES_EACH == 100
    assert not [e for e in errors if "locked" in e.lower()], errors
    assert errors == [] and set(results) == {0}
    assert "locked" not in sched.log.lower()
    stored = len(current_exits(open_engine(db, create=False)))
    assert {n for r in reports for n in r["rows"]} == {stored}  # every answer complete
    assert [o.points_in for o in amazon_history(db)] == [490, 489, 488, 487]

    # The reads really overlapped writes: crawl runs finished inside the readers' window.
    start = datetime.fromtimestamp(min(r["start"] for r in reports), JST)
    end = datetime.fromtimestamp(max(r["end"] for r in reports), JST)
    with Session(open_engine(db, create=False)) as s:
        runs = s.exec(select(CrawlRun).where(CrawlRun.spider == "hapitas").order_by(CrawlRun.id)).all()
    assert [r.verdict for r in runs] == ["ok"] * 4
    assert any(start <= r.finished_at <= end for r in runs[1:]), (start, end, runs)
    # ... and readers saw the data change under them.
    assert len({rate for r in reports for rate in r["rates"]}) >= 2
