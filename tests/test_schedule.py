"""`pointexit schedule` as a user runs it: a real process, real crawls through
the Scrapy engine (one child process per crawl) against the recorded pages on
a local server, a temporary SQLite file, real signals."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import pytest
from sqlmodel import Session, select

from pointexit.recorded import RECORDED, RecordedServer
from storage.engine import integrity_ok, open_engine
from storage.models import CrawlRun, ExitObservation, ExitRow
from storage.queries import current_exits
from tests.conftest import ROOT, HeldPage, crawl_subprocess

EXCHANGE = "/hapitas/exchange/"
PAGE = (RECORDED / "hapitas" / "exchange" / "index.html").read_text(encoding="utf-8")


def serve(handler, body: str) -> None:
    data = body.encode("utf-8")
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


class Scheduled:
    """`pointexit schedule ...` in a subprocess, its log lines collected."""

    def __init__(self, *args, db: str, out: Path, env: dict | None = None,
                 new_group: bool = False):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pointexit", "schedule", *args, "--db", db, "--out", str(out)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
            env={**os.environ, **(env or {})}, process_group=0 if new_group else None)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines:
                    if re.search(pattern, line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and not self._reader.is_alive():
                    raise AssertionError(f"no log line matching {pattern!r}:\n{self.log}")
                self._changed.wait(min(left, 0.5))

    def finish(self, timeout: float = 90) -> int:
        try:
            rc = self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        self._reader.join(5)
        return rc

    def children(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                pids.append(int(stat.parent.name))
        return pids


def runs(db: str, spider: str = "hapitas") -> list[CrawlRun]:
    """The runs of one spider (the site "hapitas" has an exchange and a shopping spider)."""
    with Session(open_engine(db, create=False)) as s:
        return s.exec(select(CrawlRun).where(CrawlRun.spider == spider).order_by(CrawlRun.id)).all()


def amazon_history(db: str) -> list[ExitObservation]:
    with Session(open_engine(db, create=False)) as s:
        return s.exec(select(ExitObservation).join(ExitRow, ExitRow.id == ExitObservation.exit_id)
                      .where(ExitRow.destination == "amazon_gift")
                      .order_by(ExitObservation.id)).all()


@pytest.fixture
def changing_server():
    """The Hapitas exchange page, its Amazon rate one point better at each request."""
    served = []

    def exchange(handler):
        n = len(served)
        served.append(n)
        serve(handler, PAGE.replace("490pt → 500円分", f"{490 - n}pt → 500円分"))

    server = RecordedServer(faults={EXCHANGE: exchange}).start()
    yield server
    server.stop()


def test_three_scheduled_crawls_in_one_process_all_store_their_results(changing_server, tmp_path):
    db = str(tmp_path / "p.db")
    sched = Scheduled("hapitas", "--every", "0.0005", "--jitter", "0", "--runs", "3",
                      "--mirror", changing_server.root_url, db=db, out=tmp_path / "out")
    assert sched.finish() == 0, sched.log
    log = sched.log
    stored = len(current_exits(open_engine(db, create=False)))
    for n in (1, 2, 3):
        assert re.search(rf"crawl #{n} hapitas: ok, \d+ items", log), log
        assert re.search(rf"crawl #{n} finished in [\d.]+ s: ok", log), log
        assert re.search(rf"crawl #{n} page rebuilt: .*index\.html \({stored} exits", log), log
    assert "schedule stopped after 3 crawl(s)" in log
    assert [r.verdict for r in runs(db)] == ["ok", "ok", "ok"]
    # Each crawl saw a different rate and each stored it, from its own run.
    history = amazon_history(db)
    assert [o.points_in for o in history] == [490, 489, 488]
    assert len({o.run_id for o in history}) == 3
    assert (tmp_path / "out" / "index.html").is_file() and (tmp_path / "out" / "feed.xml").is_file()


def test_a_limited_schedule_whose_crawl_failed_exits_1_as_crawl_does(tmp_path):
    """cron runs `schedule --runs 1`: a crawl that read nothing (port 9: nothing
    listens) exited 0, so neither cron nor a script could tell."""
    db = str(tmp_path / "p.db")
    sched = Scheduled("hapitas", "--runs", "1", "--jitter", "0", "--mirror", "http://127.0.0.1:9",
                      db=db, out=tmp_path / "out",
                      env={"POINTEXIT_CONFIG_DIR": str(tmp_path / "config")})
    assert sched.finish() == 1, sched.log
    assert re.search(r"crawl #1 finished in [\d.]+ s: failed", sched.log), sched.log
    assert "schedule stopped after 1 crawl(s)" in sched.log and "Traceback" not in sched.log
    assert [r.verdict for r in runs(db)] == ["failed"]


def test_a_crawl_that_overruns_its_interval_makes_the_next_one_skip(tmp_path):
    def slow(handler):
        time.sleep(2.5)
        return False  # then serve the recorded page

    with_delay = RecordedServer(faults={EXCHANGE: slow}).start()
    try:
        db = str(tmp_path / "p.db")
        sched = Scheduled("hapitas", "--every", "0.0003", "--jitter", "0", "--runs", "1",
                          "--mirror", with_delay.root_url, db=db, out=tmp_path / "out")
        assert sched.finish() == 0, sched.log
    finally:
        with_delay.stop()
    assert re.search(r"crawl due at [\d:]+ skipped: crawl #1 is still running", sched.log), sched.log
    assert "crawl #2" not in sched.log
    assert [r.verdict for r in runs(db)] == ["ok"]


def assert_stopped_during_crawl_1(log: str, signal_name: str) -> None:
    """The schedule's log after a stop signal arrived while crawl #1 ran."""
    assert f"received {signal_name}: stopping" in log
    assert re.search(r"crawl #1 finished in [\d.]+ s: stopped", log), log
    assert "schedule stopped after 1 crawl(s)" in log


def test_sigterm_during_a_crawl_stops_it_and_the_schedule(tmp_path):
    held = HeldPage()
    server = RecordedServer(faults={EXCHANGE: held}).start()
    db = str(tmp_path / "p.db")
    try:
        sched = Scheduled("hapitas", "--every", "1", "--jitter", "0", "--mirror", server.root_url,
                          db=db, out=tmp_path / "out")
        assert held.requested.wait(60), sched.log
        children = sched.children()
        assert children, "the crawl runs in a child process"
        sched.proc.send_signal(signal.SIGTERM)
        sched.wait_for(r"stopping crawl #1")
        held.release.set()  # the page in flight arrives; Scrapy closes the run
        assert sched.finish(60) == 0, sched.log
    finally:
        held.release.set()
        server.stop()
    log = sched.log
    assert_stopped_during_crawl_1(log, "SIGTERM")
    assert "page rebuilt" not in log  # a stopped crawl does not republish
    assert all(not Path(f"/proc/{pid}").exists() for pid in children)
    engine = open_engine(db, create=False)
    assert integrity_ok(engine)
    # Closed, not left running; and stopped before its end, it stores nothing.
    assert [(r.verdict, r.new_observations) for r in runs(db)] == [("degraded", 0)]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_the_config_sets_the_schedule_and_a_signal_while_waiting_exits_promptly(
        changing_server, tmp_path, stop):
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text(
        '[schedule]\nevery_hours = 2.5\njitter_seconds = 60\nsites = ["hapitas"]\n', encoding="utf-8")
    db = str(tmp_path / "p.db")
    sched = Scheduled("--mirror", changing_server.root_url, db=db, out=tmp_path / "out",
                      env={"POINTEXIT_CONFIG_DIR": str(config)})
    sched.wait_for(r"next crawl at")
    started = time.monotonic()
    sched.proc.send_signal(stop)
    assert sched.finish(30) == 0, sched.log
    assert time.monotonic() - started < 10
    assert f"received {stop.name}: stopping" in sched.log
    assert re.search(r"every 2\.5 h \(jitter ±60 s\), \d+ spider\(s\)", sched.log), sched.log
    assert "schedule stopped after 1 crawl(s)" in sched.log
    assert [r.verdict for r in runs(db)] == ["ok"]


@pytest.mark.parametrize("args, message", [
    (["--every", "0"], "hours between crawls must be at least one second (1/3600)"),
    # A zero timedelta: crawls back to back.
    (["--every", "1e-12"], "bad --every 1e-12: hours between crawls must be at least one second"),
    (["--every", "0.0002"], "bad --every 0.0002: hours between crawls must be at least one second"),
    (["--every", "1", "--jitter", "1800"], "under half the interval"),
    (["--every", "1", "--runs", "-1"], "bad --runs"),
    (["nosuchsite"], "unknown site or spider 'nosuchsite'"),
    # Spider names are taken as by `crawl`, and listed beside the sites.
    (["hapitas_shoping"], "pointexit: error: unknown site or spider 'hapitas_shoping'; sites: chobirich, "
                          "dotmoney, ecnavi, gendama, hapitas, lifemedia, moppy, pex, pointincome, pointtown, "
                          "rakuten_rebates, warau; other spiders: hapitas_shopping, moppy_shopping, "
                          "pointincome_shopping"),
    # Past a leap year timedelta or APScheduler overflowed: an internal error.
    (["--every", "inf"], "bad --every inf: hours between crawls must be at least one second (1/3600) and at "
                            "most 8,784"),
    (["--every", "1e10"], "bad --every 1e+10: hours between crawls must be at least one second"),
    (["--every", "8784.01"], "at most 8,784 (one leap year)"),
    (["--every", "nan"], "bad --every nan"),
    (["--every=-inf"], "bad --every -inf"),
    (["--every=-1"], "bad --every -1"),
])
def test_bad_options_fail_in_one_line(cli, tmp_path, args, message):
    # Were an option taken, one quick offline crawl (port 9: nothing listens), not a schedule.
    offline = ["hapitas", "--runs", "1", "--mirror", "http://127.0.0.1:9"]
    proc = cli("schedule", *offline, *args, "--db", str(tmp_path / "p.db"),
               "--out", str(tmp_path / "out"))
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "p.db").exists() and not (tmp_path / "out").exists()


def test_an_empty_mirror_is_a_usage_error_not_the_real_sites(cli, tmp_path):
    """`--mirror "$MIRROR"` with the variable unset: were it taken for "no
    option", every real site would be crawled (the proxy on port 9 keeps even
    that failure offline)."""
    proc = cli("schedule", "hapitas", "--runs", "1", "--mirror", "", "--db", str(tmp_path / "p.db"),
               "--out", str(tmp_path / "out"),
               env={"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"})
    assert proc.returncode == 2, proc.stderr
    assert "--mirror: bad base URL ''" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "p.db").exists() and not (tmp_path / "out").exists()


@pytest.mark.parametrize("text, message", [
    ("[sites.nosuch]\npoints = 1\n", "sites.nosuch: unknown site"),
    ("points = \n", "not valid TOML"),
], ids=["unknown site", "bad TOML"])
@pytest.mark.parametrize("given", [True, False], ids=["--wallet", "default wallet"])
def test_a_bad_wallet_fails_at_start_in_one_line(cli, tmp_path, text, message, given):
    """As a bad cookie file or config does: not every crawl, then a failed rebuild
    (exit 1). The message is `page`'s; the database is never touched."""
    wallet = tmp_path / "config" / "wallet.toml"
    wallet.parent.mkdir()
    wallet.write_text(text, encoding="utf-8")
    offline = ["hapitas", "--runs", "1", "--mirror", "http://127.0.0.1:9"]
    proc = cli("schedule", *offline, *(["--wallet", str(wallet)] if given else []),
               "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"pointexit: error: wallet {wallet}: ")  # as `page` says it
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "p.db").exists() and not (tmp_path / "out").exists()


def test_a_wallet_gone_bad_under_a_running_schedule_still_gets_the_page_rebuilt(tmp_path, caplog):
    """Each rebuild reads the wallet afresh: one saved half-edited made every
    rebuild fail, so the comparison page and the feed stopped changing until
    the wallet was fixed. The page is rebuilt without the plan, the log says
    why, and a limited run (cron's) exits 1."""
    from pointexit.schedule import CrawlJob, ScheduleOptions
    from tests.page_world import build_world

    db = str(tmp_path / "p.db")
    build_world(db).dispose()
    wallet = tmp_path / "wallet.toml"
    wallet.write_text("[sites.hapitas\n", encoding="utf-8")
    out = tmp_path / "out"
    job = CrawlJob(ScheduleOptions(spiders=["hapitas"], db=db, out=out, every=timedelta(hours=6),
                                   runs=1, wallet=wallet))
    with caplog.at_level("INFO", logger="pointexit.schedule"):
        job.rebuild(1)
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "ハピタス" in html and 'id="personal"' not in html
    assert (out / "feed.xml").is_file() and job.not_ok == 1
    [error] = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert f"wallet {wallet}: not valid TOML" in error and "without your plan" in error
    assert "page rebuilt" in caplog.records[-1].getMessage()


def test_a_short_interval_without_jitter_gets_a_quarter_of_it(changing_server, tmp_path):
    # 0.1 h: the default 600 s would be a whole third of the interval; it was refused
    # as "bad --jitter 600" though nobody passed --jitter.
    sched = Scheduled("hapitas", "--every", "0.1", "--mirror", changing_server.root_url,
                      db=str(tmp_path / "p.db"), out=tmp_path / "out",
                      env={"POINTEXIT_CONFIG_DIR": str(tmp_path / "config")})
    sched.wait_for(r"next crawl at")
    sched.proc.send_signal(signal.SIGTERM)
    assert sched.finish(30) == 0, sched.log
    assert "every 6 min (jitter ±90 s)" in sched.log, sched.log


def test_the_longest_interval_is_one_leap_year(changing_server, tmp_path):
    db = str(tmp_path / "p.db")
    sched = Scheduled("hapitas", "--every", "8784", "--jitter", "0", "--mirror",
                      changing_server.root_url, db=db, out=tmp_path / "out",
                      env={"POINTEXIT_CONFIG_DIR": str(tmp_path / "config")})
    line = sched.wait_for(r"next crawl at")
    sched.proc.send_signal(signal.SIGTERM)
    assert sched.finish(30) == 0, sched.log
    assert "every 8784 h" in sched.log and "Traceback" not in sched.log
    started = datetime.strptime(sched.lines[0][:19], "%Y-%m-%d %H:%M:%S")
    due = datetime.strptime(line.rsplit("next crawl at ", 1)[1], "%Y-%m-%d %H:%M:%S")
    assert timedelta(hours=8783) < due - started < timedelta(hours=8785)


def test_a_bad_config_fails_in_one_line(cli, tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text("[schedule]\nevery_hours = 'often'\n")
    proc = cli("schedule", "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and "every_hours must be a float" in proc.stderr, proc.stderr



@pytest.mark.parametrize("command, text, message", [
    # A section that is not a table crashed ('int' object has no attribute 'get').
    ("schedule", "schedule = 5", "schedule must be a table ([schedule]), not 5"),
    ("page", 'page = "x"', "page must be a table ([page]), not 'x'"),
    ("schedule", "page = []", "page must be a table ([page]), not []"),
    # Numbers out of range overflowed, or were taken silently.
    ("page", "[page]\nstale_after_hours = inf",
     "[page] stale_after_hours must be more than 0 and at most 8,784, not inf"),
    ("page", "[page]\nstale_after_hours = -5", "[page] stale_after_hours must be more than 0"),
    ("page", "[page]\nstale_after_hours = 0", "[page] stale_after_hours must be more than 0"),
    ("page", "[page]\nstale_after_hours = nan", "[page] stale_after_hours must be more than 0"),
    ("schedule", "[page]\nstale_after_hours = 1e300",
     "[page] stale_after_hours must be more than 0 and at most 8,784, not 1e+300"),
    ("schedule", "[schedule]\nevery_hours = inf",
     "[schedule] every_hours must be more than 0 and at most 8,784, not inf"),
    ("schedule", "[schedule]\nevery_hours = 1e10", "[schedule] every_hours must be more than 0"),
    ("schedule", "[schedule]\nevery_hours = -1", "[schedule] every_hours must be more than 0"),
    ("schedule", "[schedule]\nevery_hours = 1e-12",
     "[schedule] every_hours must be at least one second (1/3600), not 1e-12"),
    ("schedule", "[schedule]\njitter_seconds = -1",
     "[schedule] jitter_seconds must be at least 0, not -1"),
    ("schedule", "[schedule]\nevery_hours = 1\njitter_seconds = 3600",
     "[schedule] jitter_seconds must be under half the interval (1800 s), not 3600"),
    ("schedule", "[schedule]\nsites = [1]", "[schedule] sites must be a list of strings, not [1]"),
    # A misspelt setting was ignored without a word, and the default used instead.
    ("schedule", "[schedule]\nevery_hour = 3",
     "[schedule] every_hour is not a setting pointexit reads (did you mean every_hours?)"),
    ("page", "[schedul]\nevery_hours = 3",
     "[schedul] is not a setting pointexit reads (did you mean [schedule]?)"),
    ("page", "[page]\nzzz = 1",
     "[page] zzz is not a setting pointexit reads (known: out, stale_after_hours)"),
    # The page's personal section counts lags in [calendar]: a bad one failed
    # every rebuild after a crawl, not the start.
    ("schedule", '[calendar]\nyear_end = ["12-29"]', "[calendar] year_end must be the break's first and last day"),
    ("schedule", "[calendar]\nclosed_days = [1]", "[calendar] closed_days must be a list of dates"),
    ("page", '[calendar]\nyear_end = ["13-29", "01-03"]', "[calendar] year_end must be the break's"),
    ("schedule", 'wallet = "w.toml"',
     "wallet is not a setting pointexit reads (known: [schedule], [page], [point_values], [calendar])"),
])
def test_a_config_of_the_wrong_shape_or_range_fails_in_one_line(cli, tmp_path, command, text,
                                                               message):
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir()
    config.write_text(text + "\n", encoding="utf-8")
    # Were the config taken, one quick offline crawl (port 9: nothing listens), not a schedule;
    # the site named here does not excuse a bad [schedule] sites.
    offline = ["hapitas", "--runs", "1", "--mirror", "http://127.0.0.1:9"]
    offline = offline if command == "schedule" else []
    proc = cli(command, *offline, "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"config {config}: {message}" in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not (tmp_path / "p.db").exists() and not (tmp_path / "out").exists()


def test_the_readme_config_example_is_accepted_whole(tmp_path):
    """The README lists every setting; each must be one the code reads."""
    from pointexit import config

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    after = readme.split("Settings in `~/.config/pointexit/config.toml`:", 1)[1]
    example = after.split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "config.toml"
    path.write_text(example.replace("# mirror", "mirror"), encoding="utf-8")
    cfg = config.load_config(path)
    # Every setting is shown; of [point_values], the sites whose value is in doubt.
    assert {section: sorted(table) for section, table in cfg.items()} == {
        section: sorted(keys) if section != "point_values" else ["pointtown", "warau"]
        for section, keys in config.SETTINGS.items()}
    assert config.point_values(cfg) == {"warau": 1, "pointtown": Fraction(1, 20)}


def test_a_bad_value_in_a_config_read_from_another_path_names_that_file(tmp_path, monkeypatch):
    from pointexit import config

    monkeypatch.setenv("POINTEXIT_CONFIG_DIR", str(tmp_path / "elsewhere"))
    path = tmp_path / "mine.toml"
    path.write_text("[page]\nstale_after_hours = 0\n", encoding="utf-8")
    with pytest.raises(config.ConfigError) as caught:
        config.config_value(config.load_config(path), "page", "stale_after_hours", float, positive=True)
    assert str(caught.value) == f"config {path}: [page] stale_after_hours must be more than 0, not 0"


def test_a_bad_config_value_fails_even_when_an_option_overrides_it(cli, tmp_path):
    """The same config would fail the next run without the option (cron, systemd)."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text("[schedule]\nevery_hours = inf\n")
    proc = cli("schedule", "hapitas", "--every", "6", "--runs", "1", "--mirror",
               "http://127.0.0.1:9", "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and "[schedule] every_hours must be more than 0" in proc.stderr, (
        proc.stderr)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl-C", "systemd stop"])
def test_ctrl_c_reaching_the_crawl_child_as_well_still_records_its_run(tmp_path, stop):
    """Ctrl-C in a terminal signals the whole foreground process group (and
    `systemctl stop` the whole cgroup): the crawl child gets the signal itself
    *and* the stop the schedule forwards. Two signals must not force Scrapy's
    unclean shutdown: the child still closes its run, and nothing stored is lost."""
    held = HeldPage(on=False)
    server = RecordedServer(faults={EXCHANGE: held}).start()
    db = str(tmp_path / "p.db")
    try:
        first = crawl_subprocess(["hapitas"], db, mirror=server.root_url)["hapitas"]
        assert first["verdict"] == "ok" and first["new_observations"] > 0
        before = amazon_history(db)
        held.on = True
        # Its own process group, as a shell runs a foreground job.
        sched = Scheduled("hapitas", "--every", "1", "--jitter", "0", "--mirror", server.root_url,
                          db=db, out=tmp_path / "out", new_group=True)
        assert held.requested.wait(60), sched.log
        assert sched.children(), "the crawl runs in a child process"
        os.killpg(sched.proc.pid, stop)
        sched.wait_for(r"stopping crawl #1")
        time.sleep(1)  # the SIGTERM the schedule forwards reaches the child: its second signal
        held.release.set()  # the page in flight arrives; Scrapy closes the run
        assert sched.finish(60) == 0, sched.log
    finally:
        held.release.set()
        server.stop()
    assert_stopped_during_crawl_1(sched.log, stop.name)
    engine = open_engine(db, create=False)
    assert integrity_ok(engine)
    interrupted = runs(db)[-1]
    assert len(runs(db)) == 2 and interrupted.verdict == "degraded", interrupted
    assert interrupted.reason.startswith("stopped: ") and interrupted.new_observations == 0
    assert interrupted.finished_at is not None
    assert [(o.id, o.points_in, o.run_id) for o in amazon_history(db)] == \
           [(o.id, o.points_in, o.run_id) for o in before]


def test_jitter_shifts_each_crawl_either_way_around_a_fixed_grid():
    """`--every 6 --jitter 600` is every 6 h ± 10 min, as the log says (±600 s):
    crawl k falls within 10 min of start + 6k h, earlier as often as later,
    and the shifts never add up into a drift."""
    import random

    from pointexit.clock import JST
    from pointexit.schedule import crawl_trigger

    start = datetime(2026, 11, 23, 9, 0, tzinfo=JST)
    every = timedelta(hours=6)
    trigger = crawl_trigger(every, 600, start)
    random.seed(20261123)
    times = [start]
    for _ in range(400):
        times.append(trigger.get_next_fire_time(times[-1], times[-1]))
    offsets = [(t - (start + k * every)).total_seconds() for k, t in enumerate(times)]
    assert all(-600 <= o <= 600 for o in offsets), (min(offsets), max(offsets))
    assert sum(o < -300 for o in offsets) > 50 and sum(o > 300 for o in offsets) > 50
    assert all(t.tzinfo is not None and t.utcoffset() == timedelta(hours=9) for t in times)
    assert all(b > a for a, b in zip(times, times[1:]))


@pytest.mark.parametrize("pinned, stamp", [("2026-11-23T09:00", "2026-11-23 09:00:00"),
                                           ("2026-11-23T00:30+00:00", "2026-11-23 09:30:00")])
def test_log_lines_are_dated_by_the_apps_clock_when_pointexit_now_pins_it(monkeypatch, capsys, pinned, stamp):
    """The page and feed of a replay (POINTEXIT_NOW) were dated by it, the
    schedule's log lines by the wall clock."""
    import logging

    from pointexit.schedule import configure_logging, log

    root, apscheduler = logging.getLogger("pointexit"), logging.getLogger("apscheduler")
    saved = root.handlers[:], root.level, root.propagate, apscheduler.level
    monkeypatch.setenv("POINTEXIT_NOW", pinned)
    try:
        configure_logging()
        log.info("crawl #%d started: %s", 1, "hapitas")
    finally:
        root.handlers[:], root.level, root.propagate, level = saved
        apscheduler.setLevel(level)
    assert capsys.readouterr().err == f"{stamp} JST INFO crawl #1 started: hapitas\n"


def test_each_crawl_reads_the_config_afresh(tmp_path):
    """config.toml was read once, at start: a site list or mirror edited under
    a running schedule was ignored until a restart, without a word. Crawl #1
    crawls the first mirror (its page request saves the edit), crawl #2 the
    new mirror and site list; a new interval is named as needing a restart."""
    config = tmp_path / "config"
    config.mkdir()
    toml = config / "config.toml"
    second = RecordedServer().start()

    def exchange(handler):
        toml.write_text(f'[schedule]\nevery_hours = 6\njitter_seconds = 0\nsites = ["moppy"]\n'
                        f'mirror = "{second.root_url}"\n', encoding="utf-8")
        serve(handler, PAGE)

    first = RecordedServer(faults={EXCHANGE: exchange}).start()
    try:
        toml.write_text(f'[schedule]\nevery_hours = 0.0005\njitter_seconds = 0\nsites = ["hapitas"]\n'
                        f'mirror = "{first.root_url}"\n', encoding="utf-8")
        db = str(tmp_path / "p.db")
        sched = Scheduled("--runs", "2", db=db, out=tmp_path / "out",
                          env={"POINTEXIT_CONFIG_DIR": str(config)})
        assert sched.finish() == 0, sched.log
    finally:
        first.stop()
        second.stop()
    assert [r.verdict for r in runs(db)] == ["ok"]
    assert [r.verdict for r in runs(db, "moppy")] == ["ok"]
    assert len(first.requests_for(EXCHANGE)) == 1 and not first.requests_for("/moppy/exchange/")
    assert not second.requests_for(EXCHANGE) and second.requests_for("/moppy/exchange/")
    assert f"crawl #2: config {toml} changed (sites, mirror): this crawl uses it" in sched.log, sched.log
    assert "crawl #2 started: moppy" in sched.log
    # The interval cannot change under a running schedule: it says so, and keeps it.
    assert (f"WARNING crawl #2: config {toml}: [schedule] every_hours is now 6; the schedule keeps "
            "0.0005 until it is restarted") in sched.log, sched.log
    assert "changed" not in "\n".join(line for line in sched.lines if "crawl #1" in line)


def test_a_config_gone_bad_under_a_running_schedule_is_one_line_and_the_crawls_go_on(tmp_path):
    """A half-saved config.toml: crawl #2 says so in one line and crawls with
    the settings read before; the schedule lives on, and a limited run exits 1."""
    config = tmp_path / "config"
    config.mkdir()
    toml = config / "config.toml"

    def exchange(handler):
        toml.write_text('[schedule]\nsites = ["hapitas"\n', encoding="utf-8")
        serve(handler, PAGE)

    server = RecordedServer(faults={EXCHANGE: exchange}).start()
    try:
        toml.write_text(f'[schedule]\nsites = ["hapitas"]\nmirror = "{server.root_url}"\n', encoding="utf-8")
        db = str(tmp_path / "p.db")
        sched = Scheduled("--every", "0.0005", "--jitter", "0", "--runs", "2", db=db, out=tmp_path / "out",
                          env={"POINTEXIT_CONFIG_DIR": str(config)})
        assert sched.finish() == 1, sched.log
    finally:
        server.stop()
    [error] = [line for line in sched.lines if " ERROR " in line]
    assert error.endswith(f"crawl #2: config {toml} is not valid TOML: Unclosed array (at end of document); "
                          "this crawl uses the settings read before"), error
    assert "Traceback" not in sched.log
    assert [r.verdict for r in runs(db)] == ["ok", "ok"]
    assert len(server.requests_for(EXCHANGE)) == 2
    assert "schedule stopped after 2 crawl(s)" in sched.log


def test_next_crawl_is_told_by_the_apps_clock_when_pointexit_now_pins_it(monkeypatch, tmp_path, caplog):
    """The log lines of a replay were dated by POINTEXIT_NOW, and the page too,
    but "next crawl at" by the wall clock: 09:00 said the next crawl was at a
    real date weeks away. It is now the pinned moment plus the time to wait."""
    from types import SimpleNamespace

    from apscheduler.events import EVENT_JOB_MAX_INSTANCES

    from pointexit.clock import JST
    from pointexit.schedule import CrawlJob, ScheduleOptions, _on_event
    from tests.page_world import build_world

    db = str(tmp_path / "p.db")
    build_world(db).dispose()
    monkeypatch.setenv("POINTEXIT_NOW", "2026-11-23T09:00")
    job = CrawlJob(ScheduleOptions(spiders=["hapitas"], db=db, out=tmp_path / "out", every=timedelta(hours=6)))
    job.crawl = lambda: ([], "crawl process gave no report")  # the crawl itself is not what is tested
    job.next_run = lambda: datetime.now(JST) + timedelta(hours=6)
    with caplog.at_level("INFO", logger="pointexit.schedule"):
        job()
        job.running = 2  # a crawl overran: the tick due half an hour ago is skipped
        due = datetime.now(JST) - timedelta(minutes=30)
        _on_event(job, timedelta(hours=6))(SimpleNamespace(code=EVENT_JOB_MAX_INSTANCES, scheduled_run_time=due))
    messages = [r.getMessage() for r in caplog.records]
    assert messages[-2] == "next crawl at 2026-11-23 15:00:00"
    assert messages[-1] == ("crawl due at 08:30:00 skipped: crawl #2 is still running (it overran "
                            "the 6 h interval)")
